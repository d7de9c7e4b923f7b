// One HTTP/1.1 exchange up to the response head: the request written to a pooled
// connection (head, then a known or chunked body), and the response read until its final
// head (1xx skipped), each read bounded by a deadline and the caller's abort signal.
// What follows the head is body.ts; whether to go on to another URL is redirect.ts.

import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";
import type { ParseEvent, ResponseHead } from "./parser.js";
import type { Connection, Origin } from "./pool.js";
import { readWithin } from "./reads.js";

export type RequestBody = null | Uint8Array | ReadableStream<Uint8Array>;

/** One request of a fetch: the first, or one after a redirect. */
export interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestBody;
  signal: AbortSignal;
}

/** A body this size or smaller goes out in the same write as the head. */
const INLINE_BODY_MAX = 65536;

const encoder = new TextEncoder();

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function originOf(url: URL): Origin {
  const tls = url.protocol === "https:";
  const port = url.port !== "" ? Number(url.port) : tls ? 443 : 80;
  // URL keeps IPv6 literals in brackets; connectors want the bare address.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { key: `${url.protocol}//${url.hostname}:${port}`, host, port, tls };
}

/** The request head, CRLF-terminated lines without the final blank line (latin1 text). */
export function serializeHead(hop: Hop, userAgent: string): string {
  const { url, method, headers, body } = hop;
  const lines: string[] = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
  const defaults: Array<[string, string]> = [
    ["host", url.host],
    ["user-agent", userAgent],
    ["accept", "*/*"],
    ["accept-encoding", "gzip, deflate"],
    ["connection", "keep-alive"],
  ];
  for (const [name, value] of defaults) if (!headers.has(name)) lines.push(`${name}: ${value}`);
  for (const [name, value] of headers) {
    if (name === "content-length" || name === "transfer-encoding") continue;
    lines.push(`${name}: ${value}`);
  }
  if (body instanceof Uint8Array) lines.push(`content-length: ${body.length}`);
  else if (body !== null) lines.push("transfer-encoding: chunked");
  else if (method === "POST" || method === "PUT" || method === "PATCH") lines.push("content-length: 0");
  return lines.join("\r\n");
}

async function writeChunked(writer: WritableStreamDefaultWriter<Uint8Array>, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError("request body stream chunks must be Uint8Array");
      if (value.length === 0) continue;
      await writer.write(concatBytes([encoder.encode(value.length.toString(16) + "\r\n"), value, encoder.encode("\r\n")]));
    }
    await writer.write(encoder.encode("0\r\n\r\n"));
  } catch (e) {
    reader.cancel(e).catch(() => {});
    throw e;
  }
}

/** One request/response exchange on one pooled connection. */
export interface Exchange {
  conn: Connection;
  hop: Hop;
  origin: Origin;
  /** Destroys the connection and throws (or marks the failure retryable): a failure
   *  before any of the response was handed out. */
  failBeforeResponse: (e: unknown) => never;
}

/** The request body still being written while the response is read. */
export interface BodyWrite {
  /** Settles when the body is written or its write failed (the connection then is destroyed). */
  done: Promise<void>;
  /** The whole body went out: the connection can be reused after the response. */
  readonly written: boolean;
}

/**
 * Writes the request head (with a small known body in the same write), then starts the
 * rest of the body without waiting for it. `onHead` gets the head as written; `onSent`
 * runs once the whole request is out.
 */
export async function sendRequest(
  { conn, hop, failBeforeResponse }: Exchange,
  userAgent: string,
  onSent: () => void,
  onHead?: (text: string) => void,
): Promise<BodyWrite> {
  const headText = serializeHead(hop, userAgent);
  const head = latin1Bytes(`${headText}\r\n\r\n`);
  let written = hop.body === null;
  try {
    hop.signal.throwIfAborted();
    if (hop.body instanceof Uint8Array && hop.body.length <= INLINE_BODY_MAX) {
      await conn.writer.write(concatBytes([head, hop.body]));
      written = true;
    } else {
      await conn.writer.write(head);
    }
  } catch (e) {
    failBeforeResponse(e);
  }
  onHead?.(headText);
  if (written) {
    onSent();
    return { done: Promise.resolve(), written };
  }
  const body = hop.body!;
  const state = { done: Promise.resolve(), written: false };
  state.done = (body instanceof Uint8Array ? conn.writer.write(body) : writeChunked(conn.writer, body)).then(
    () => {
      state.written = true;
      onSent();
    },
    (e) => {
      conn.destroy(e);
    },
  );
  return state;
}

/** What came with the final response head: the head, and the body events parsed with it. */
export interface HeadRead {
  head: ResponseHead;
  queue: ParseEvent[];
}

/**
 * Reads until the final response head (skipping 1xx) within `headersTimeout` ms (0: no
 * limit). `onFirstByte` runs at the first byte.
 */
export async function readResponseHead({ conn, hop, origin, failBeforeResponse }: Exchange, headersTimeout: number, onFirstByte: () => void): Promise<HeadRead> {
  const parser = conn.parser;
  const queue: ParseEvent[] = [];
  let head: ResponseHead | null = null;
  let gotBytes = false;
  const deadline = headersTimeout > 0 ? performance.now() + headersTimeout : 0;
  const timeoutError = () =>
    new LmwError("ERR_TIMEOUT_HEADERS", `no response head from ${origin.host}:${origin.port} within ${headersTimeout} ms`, { layer: "http" });
  while (head === null) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      const left = deadline > 0 ? Math.max(1, deadline - performance.now()) : 0;
      r = await readWithin(conn, left, timeoutError, hop.signal);
    } catch (e) {
      failBeforeResponse(e);
    }
    let events: ParseEvent[];
    if (r!.done) {
      events = parser.finish();
    } else {
      if (!gotBytes) onFirstByte();
      gotBytes = true;
      events = parser.execute(r!.value);
    }
    for (const ev of events) {
      if (ev.type === "error") failBeforeResponse(ev.error);
      else if (ev.type === "head" && head === null) head = ev.head;
      else if (head !== null) queue.push(ev);
    }
  }
  return { head, queue };
}
