// WHATWG fetch over any Connector (our lwIP/Mbed TLS stack, or node:net in tests).
// Uses the platform's Request / Response / Headers; HTTP/1.1 only; browser-safe.
//
// Errors: a failure rejects with the LmwError itself (code, layer, nativeCode, cause),
// not undici's TypeError("fetch failed") wrapper: the code is what callers branch on.
// Connector errors (ERR_CONNECTION_REFUSED, ERR_TLS_CERT_UNTRUSTED, ERR_TIMEOUT_HANDSHAKE,
// ERR_CONNECTION_RESET...) pass through unchanged. An abort rejects with signal.reason,
// as the fetch standard says (an AbortError DOMException unless the caller chose one).

import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";
import type { SocketInfo } from "../device/socket-types.js";
import { decodeBody, parseContentEncoding } from "./decode.js";
import type { HeaderList, ParseEvent, ParserLimits, ResponseHead } from "./parser.js";
import { ConnectionPool, type Connector, type Origin } from "./pool.js";
import { BodyReads, readWithin } from "./reads.js";

export type { Connector, ConnectOptions } from "./pool.js";

export interface FetchOptions {
  /** Sent as User-Agent; default `lwip-mbedtls-wasm/<version>`. */
  userAgent?: string;
  /** The package version for the default User-Agent. */
  version?: string;
  /** Default 6. */
  maxSocketsPerOrigin?: number;
  /** How long an unused keep-alive connection stays open, ms. Default 4000. */
  idleTimeout?: number;
  /** Deadline for connect + TLS handshake (until the socket is opened), ms; 0 = none. Default 30000. */
  connectTimeout?: number;
  /** From sending the request to the end of the response head, ms; 0 = none. Default 60000. */
  headersTimeout?: number;
  /** Longest wait for body bytes while the consumer is reading, ms; 0 = none. Default 60000. */
  bodyTimeout?: number;
  /** Default 20 (the fetch standard's limit). */
  maxRedirections?: number;
  parserLimits?: ParserLimits;
}

/** performance.now() values of the final request (after redirects). */
export interface FetchTiming {
  connectStart: number;
  connected: number;
  requestSent: number;
  firstByte: number;
  end: number;
  /** The request went over a kept-alive connection (connectStart === connected). */
  reused: boolean;
}

export interface ExtraInit {
  onTiming?: (t: FetchTiming) => void;
  connectTimeout?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
}

export type LmwFetch = (input: RequestInfo | URL, init?: RequestInit & ExtraInit) => Promise<Response>;

export interface FetchClient {
  fetch: LmwFetch;
  /** Closes idle connections; in-flight responses finish, then their connections close. */
  close(): Promise<void>;
  /** Open connections to an origin ("https://host:port"), for diagnostics and tests. */
  openConnections(origin: string): number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const DRAIN_LIMIT = 64 * 1024;

type RequestBody = null | Uint8Array | ReadableStream<Uint8Array>;

interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestBody;
  signal: AbortSignal;
}

interface Settings {
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  onTiming?: (t: FetchTiming) => void;
}

/** Thrown inside one attempt when a reused connection failed before any response byte. */
class RetryableFailure extends Error {
  constructor(readonly original: unknown) {
    super("retryable");
  }
}

const encoder = new TextEncoder();

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function originOf(url: URL): Origin {
  const tls = url.protocol === "https:";
  const port = url.port !== "" ? Number(url.port) : tls ? 443 : 80;
  // URL keeps IPv6 literals in brackets; connectors want the bare address.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { key: `${url.protocol}//${url.hostname}:${port}`, host, port, tls };
}

function now(): number {
  return performance.now();
}


function serializeHead(hop: Hop, userAgent: string): Uint8Array {
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
  return latin1Bytes(lines.join("\r\n") + "\r\n\r\n");
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

/** Reads (a little of) a body we do not hand out, so its connection can be reused. */
async function discard(res: Response): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      n += value.length;
      if (n > DRAIN_LIMIT) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the connection is gone; nothing to reuse
  }
}

export function createFetch(connector: Connector, options: FetchOptions = {}): FetchClient {
  const userAgent = options.userAgent ?? `lwip-mbedtls-wasm/${options.version ?? "0.0.0"}`;
  const maxRedirections = options.maxRedirections ?? 20;
  const pool = new ConnectionPool(connector, {
    maxSocketsPerOrigin: options.maxSocketsPerOrigin ?? 6,
    idleTimeout: options.idleTimeout ?? 4000,
    connectTimeout: options.connectTimeout ?? 30000,
    parserLimits: options.parserLimits,
  });

  /** One request/response exchange on one connection. */
  async function attempt(hop: Hop, settings: Settings, fresh: boolean): Promise<Response> {
    const origin = originOf(hop.url);
    const timing: FetchTiming = { connectStart: now(), connected: 0, requestSent: 0, firstByte: 0, end: 0, reused: false };
    const { conn, reused } = await pool.acquire(origin, {
      signal: hop.signal,
      fresh,
      connectTimeout: settings.connectTimeout,
      onConnectStart: () => (timing.connectStart = now()),
    });
    timing.connected = now();
    if (reused) timing.connectStart = timing.connected;
    timing.reused = reused;

    const parser = conn.parser;
    if (conn.requests > 0) {
      const leftover = parser.nextMessage(hop.method);
      if (leftover.length > 0) throw new Error("unexpected bytes on an idle connection");
    } else {
      parser.setMethod(hop.method);
    }
    conn.requests++;

    let gotBytes = false;
    const canRetry = reused && IDEMPOTENT.has(hop.method) && !(hop.body instanceof ReadableStream);
    const failBeforeResponse = (e: unknown): never => {
      conn.destroy(e);
      if (canRetry && !gotBytes && !hop.signal.aborted && !(e instanceof LmwError && e.code.startsWith("ERR_TIMEOUT"))) {
        throw new RetryableFailure(e);
      }
      throw e;
    };

    // Send the head (with a small known body in the same write), then the rest.
    const head = serializeHead(hop, userAgent);
    let bodyWritten = hop.body === null;
    let bodyWrite: Promise<void> = Promise.resolve();
    try {
      hop.signal.throwIfAborted();
      if (hop.body instanceof Uint8Array && hop.body.length <= 65536) {
        await conn.writer.write(concatBytes([head, hop.body]));
        bodyWritten = true;
      } else {
        await conn.writer.write(head);
      }
    } catch (e) {
      failBeforeResponse(e);
    }
    if (!bodyWritten) {
      const body = hop.body!;
      bodyWrite = (body instanceof Uint8Array ? conn.writer.write(body) : writeChunked(conn.writer, body)).then(
        () => {
          bodyWritten = true;
          timing.requestSent = now();
        },
        (e) => {
          conn.destroy(e);
        },
      );
    } else {
      timing.requestSent = now();
    }

    // Wait for the final response head, skipping 1xx.
    const queue: ParseEvent[] = [];
    let resHead: ResponseHead | null = null;
    const headersDeadline = settings.headersTimeout > 0 ? now() + settings.headersTimeout : 0;
    const headersTimeoutError = () =>
      new LmwError("ERR_TIMEOUT_HEADERS", `no response head from ${origin.host}:${origin.port} within ${settings.headersTimeout} ms`, { layer: "http" });
    while (resHead === null) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        const left = headersDeadline > 0 ? Math.max(1, headersDeadline - now()) : 0;
        r = await readWithin(conn, left, headersTimeoutError, hop.signal);
      } catch (e) {
        failBeforeResponse(e);
      }
      let events: ParseEvent[];
      if (r!.done) {
        events = parser.finish();
      } else {
        if (!gotBytes) timing.firstByte = now();
        gotBytes = true;
        events = parser.execute(r!.value);
      }
      for (const ev of events) {
        if (ev.type === "error") failBeforeResponse(ev.error);
        else if (ev.type === "head" && resHead === null) resHead = ev.head;
        else if (resHead !== null) queue.push(ev);
      }
    }

    // The body, pulled from the socket as the consumer reads.
    const h: ResponseHead = resHead;
    const nullBody = NULL_BODY_STATUSES.has(h.status) || hop.method === "HEAD";
    let finished = false;
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    let resolveTrailers!: (t: Headers) => void;
    let rejectTrailers!: (e: unknown) => void;
    const trailers = new Promise<Headers>((res, rej) => {
      resolveTrailers = res;
      rejectTrailers = rej;
    });
    trailers.catch(() => {});

    const onAbort = () => fail(hop.signal.reason);
    const idleError = () =>
      new LmwError("ERR_TIMEOUT_IDLE", `no response body bytes from ${origin.host}:${origin.port} for ${settings.bodyTimeout} ms`, { layer: "http" });
    const reads = new BodyReads(conn, settings.bodyTimeout, idleError);
    const cleanup = () => {
      finished = true;
      reads.stop();
      hop.signal.removeEventListener("abort", onAbort);
    };
    const complete = (t: HeaderList) => {
      if (finished) return;
      cleanup();
      timing.end = now();
      const th = new Headers();
      for (const [n, v] of t) th.append(n, v);
      resolveTrailers(th);
      void bodyWrite.then(() => pool.release(conn, h.keepAlive && bodyWritten && parser.leftover.length === 0 && !conn.dead));
      settings.onTiming?.(timing);
    };
    function fail(e: unknown): void {
      if (finished) return;
      cleanup();
      conn.destroy(e);
      rejectTrailers(e);
      try {
        controller?.error(e);
      } catch {
        // already closed
      }
    }
    hop.signal.addEventListener("abort", onAbort, { once: true });

    const raw = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
        },
        async pull(c) {
          try {
            for (;;) {
              while (queue.length > 0) {
                const ev = queue.shift()!;
                if (ev.type === "body") {
                  if (ev.data.length === 0) continue;
                  c.enqueue(ev.data);
                  return;
                }
                if (ev.type === "end") {
                  c.close();
                  complete(ev.trailers);
                  return;
                }
                if (ev.type === "error") throw ev.error;
              }
              if (hop.signal.aborted) throw hop.signal.reason;
              const r = await reads.read();
              queue.push(...(r.done ? parser.finish() : parser.execute(r.value)));
            }
          } catch (e) {
            fail(e);
            throw e;
          }
        },
        cancel(reason) {
          fail(reason ?? new LmwError("ERR_ABORTED", "response body cancelled", { layer: "http" }));
        },
      },
      { highWaterMark: 0 },
    );

    let body: ReadableStream<Uint8Array> | null = null;
    if (nullBody) {
      const end = queue.find((e) => e.type === "end");
      if (end?.type === "end") complete(end.trailers);
      // A 205 that still carries a framed body: nothing to hand out, the connection is not reused.
      else fail(new LmwError("ERR_HTTP_BODY_NOT_ALLOWED", `a ${h.status} response carried a body`, { layer: "http" }));
    } else {
      const codings = parseContentEncoding(h.headers.find(([n]) => n.toLowerCase() === "content-encoding")?.[1] ?? null);
      body = codings === null ? raw : decodeBody(raw, codings);
    }

    const headers = new Headers();
    for (const [n, v] of h.headers) headers.append(n, v);
    const response = new Response(body, { status: h.status, statusText: h.reason, headers });
    Object.defineProperty(response, "trailers", { value: trailers, enumerable: false });
    // Which connection answered: addresses, TLS version, suite, ALPN, peer chain.
    Object.defineProperty(response, "socketInfo", { value: conn.info, enumerable: false });
    return response;
  }

  async function withRetry(hop: Hop, settings: Settings): Promise<Response> {
    try {
      return await attempt(hop, settings, false);
    } catch (e) {
      if (!(e instanceof RetryableFailure)) throw e;
      try {
        return await attempt(hop, settings, true);
      } catch (e2) {
        throw e2 instanceof RetryableFailure ? e2.original : e2;
      }
    }
  }

  async function fetchImpl(input: RequestInfo | URL, init?: RequestInit & ExtraInit): Promise<Response> {
    const streamBody = init?.body instanceof ReadableStream;
    const request = new Request(input, streamBody ? ({ ...init, duplex: "half" } as RequestInit) : init);
    let url = new URL(request.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`fetch: unsupported URL scheme ${url.protocol}`);
    }
    // Headers straight from the caller (not through Request, whose guard drops
    // "forbidden" names like Cookie in browsers: this is our own stack).
    const headers = new Headers(init?.headers !== undefined ? init.headers : input instanceof Request ? input.headers : undefined);
    const ct = request.headers.get("content-type");
    if (ct !== null && !headers.has("content-type")) headers.set("content-type", ct);

    let body: RequestBody = null;
    if (request.body !== null) body = streamBody ? request.body : new Uint8Array(await request.arrayBuffer());

    const settings: Settings = {
      connectTimeout: init?.connectTimeout ?? options.connectTimeout ?? 30000,
      headersTimeout: init?.headersTimeout ?? options.headersTimeout ?? 60000,
      bodyTimeout: init?.bodyTimeout ?? options.bodyTimeout ?? 60000,
      onTiming: init?.onTiming,
    };
    const signal = request.signal;
    let method = request.method;

    for (let redirects = 0; ; redirects++) {
      signal.throwIfAborted();
      const hop: Hop = { url, method, headers, body, signal };
      const res = await withRetry(hop, settings);
      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get("location") : null;
      if (location === null || request.redirect === "manual") {
        Object.defineProperty(res, "url", { value: url.href, enumerable: true });
        Object.defineProperty(res, "redirected", { value: redirects > 0, enumerable: true });
        return res;
      }
      if (request.redirect === "error") {
        await discard(res);
        throw new LmwError("ERR_HTTP_REDIRECT", `redirect (${res.status}) to ${location} with redirect: "error"`, { layer: "http" });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (e) {
        await discard(res);
        throw new LmwError("ERR_HTTP_REDIRECT", `invalid Location ${JSON.stringify(location)}`, { layer: "http", cause: e });
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        await discard(res);
        throw new LmwError("ERR_HTTP_REDIRECT", `redirect to unsupported scheme ${next.protocol}`, { layer: "http" });
      }
      if (redirects >= maxRedirections) {
        await discard(res);
        throw new LmwError("ERR_HTTP_TOO_MANY_REDIRECTS", `more than ${maxRedirections} redirects`, { layer: "http" });
      }
      if (res.status !== 303 && body instanceof ReadableStream) {
        await discard(res);
        throw new LmwError("ERR_HTTP_REDIRECT", `cannot follow a ${res.status} redirect: the streamed request body cannot be sent again`, { layer: "http" });
      }
      if (((res.status === 301 || res.status === 302) && method === "POST") || (res.status === 303 && method !== "GET" && method !== "HEAD")) {
        method = "GET";
        body = null;
        for (const n of ["content-encoding", "content-language", "content-location", "content-type", "content-length"]) headers.delete(n);
      }
      if (originOf(next).key !== originOf(url).key) {
        for (const n of ["authorization", "proxy-authorization", "cookie"]) headers.delete(n);
      }
      await discard(res);
      url = next;
    }
  }

  return {
    fetch: fetchImpl,
    close: () => pool.close(),
    openConnections: (origin: string) => pool.openCount(originOf(new URL(origin)).key),
  };
}

/** The connection a response came over (addresses; for HTTPS the TLS version, suite,
 *  ALPN and peer chain), or undefined for a Response this fetch did not make. */
export function socketInfoOf(response: Response): SocketInfo | undefined {
  return (response as Response & { socketInfo?: SocketInfo }).socketInfo;
}
