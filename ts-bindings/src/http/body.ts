// The Response for a received head: its body pulled from the connection only as the
// consumer reads (highWaterMark 0, so backpressure reaches TCP), bounded by an idle
// timeout, decoded (gzip, deflate), with trailers and the connection's details attached.
// The connection goes back to the pool only after a clean end of the body.

import { LmwError } from "../errors.js";
import { decodeBody, parseContentEncoding } from "./decode.js";
import type { HeaderList, ParseEvent, ResponseHead } from "./parser.js";
import type { Connection, Origin } from "./pool.js";
import { BodyReads } from "./reads.js";

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

export interface BodySource {
  conn: Connection;
  origin: Origin;
  method: string;
  signal: AbortSignal;
  head: ResponseHead;
  /** Body events already parsed with the head. */
  queue: ParseEvent[];
  /** Longest wait for body bytes while the consumer is reading, ms; 0 = none. */
  bodyTimeout: number;
  /** The body ended cleanly (trailers read). Not called when it failed or was cancelled. */
  onEnd(): void;
}

export function responseFor(src: BodySource): Response {
  const { conn, origin, signal, head: h, queue } = src;
  const parser = conn.parser;
  const nullBody = NULL_BODY_STATUSES.has(h.status) || src.method === "HEAD";
  let finished = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let resolveTrailers!: (t: Headers) => void;
  let rejectTrailers!: (e: unknown) => void;
  const trailers = new Promise<Headers>((res, rej) => {
    resolveTrailers = res;
    rejectTrailers = rej;
  });
  trailers.catch(() => {});

  const onAbort = () => fail(signal.reason);
  const idleError = () =>
    new LmwError("ERR_TIMEOUT_IDLE", `no response body bytes from ${origin.host}:${origin.port} for ${src.bodyTimeout} ms`, { layer: "http" });
  const reads = new BodyReads(conn, src.bodyTimeout, idleError);
  const cleanup = () => {
    finished = true;
    reads.stop();
    signal.removeEventListener("abort", onAbort);
  };
  const complete = (t: HeaderList) => {
    if (finished) return;
    cleanup();
    const th = new Headers();
    for (const [n, v] of t) th.append(n, v);
    resolveTrailers(th);
    src.onEnd();
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
  signal.addEventListener("abort", onAbort, { once: true });

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
            if (signal.aborted) throw signal.reason;
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
