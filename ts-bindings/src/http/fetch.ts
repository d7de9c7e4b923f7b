// WHATWG fetch over any Connector (our lwIP/Mbed TLS stack, or node:net in tests).
// Uses the platform's Request / Response / Headers; HTTP/1.1 only; browser-safe.
// This file holds the client (options, pool, retry of a stale kept-alive connection,
// the redirect loop); one exchange is request.ts (request and response head) then
// body.ts (the response body); redirect.ts decides whether another hop follows.
//
// Errors: a failure rejects with the LmwError itself (code, layer, nativeCode, cause),
// not undici's TypeError("fetch failed") wrapper: the code is what callers branch on.
// Connector errors (ERR_CONNECTION_REFUSED, ERR_TLS_CERT_UNTRUSTED, ERR_TIMEOUT_HANDSHAKE,
// ERR_CONNECTION_RESET...) pass through unchanged. An abort rejects with signal.reason,
// as the fetch standard says (an AbortError DOMException unless the caller chose one).

import { LmwError } from "../errors.js";
import type { SocketInfo } from "../device/socket-types.js";
import { responseFor } from "./body.js";
import type { ParserLimits, ResponseHead } from "./parser.js";
import { ConnectionPool, type Connector } from "./pool.js";
import { nextHop } from "./redirect.js";
import { originOf, readResponseHead, sendRequest, type Hop, type RequestBody } from "./request.js";

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

/** The connection a request head went out on. */
export interface RequestConnection {
  info: SocketInfo;
  /** A kept-alive connection (its set-up was reported with an earlier request). */
  reused: boolean;
}

export interface ExtraInit {
  onTiming?: (t: FetchTiming) => void;
  /** Each request head as written (latin1 text, the final blank line left out), redirects included. */
  onRequestHead?: (head: string, connection: RequestConnection) => void;
  /** Each final response head as received, redirects included: names in the server's
   *  case and order (Response.headers lowercases and sorts them). */
  onResponseHead?: (head: ResponseHead) => void;
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

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

interface Settings extends Pick<ExtraInit, "onTiming" | "onRequestHead" | "onResponseHead"> {
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
}

/** Thrown inside one attempt when a reused connection failed before any response byte. */
class RetryableFailure extends Error {
  constructor(readonly original: unknown) {
    super("retryable");
  }
}

function now(): number {
  return performance.now();
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

  /** One request/response exchange on one connection: request.ts up to the head, body.ts after it. */
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

    // A kept-alive connection the server closed before answering: try once more on a new one.
    let gotBytes = false;
    const canRetry = reused && IDEMPOTENT.has(hop.method) && !(hop.body instanceof ReadableStream);
    const failBeforeResponse = (e: unknown): never => {
      conn.destroy(e);
      if (canRetry && !gotBytes && !hop.signal.aborted && !(e instanceof LmwError && e.code.startsWith("ERR_TIMEOUT"))) {
        throw new RetryableFailure(e);
      }
      throw e;
    };

    const exchange = { conn, hop, origin, failBeforeResponse };
    const bodyWrite = await sendRequest(exchange, userAgent, () => (timing.requestSent = now()), (text) =>
      settings.onRequestHead?.(text, { info: conn.info, reused }),
    );
    const { head, queue } = await readResponseHead(exchange, settings.headersTimeout, () => {
      timing.firstByte = now();
      gotBytes = true;
    });
    settings.onResponseHead?.(head);
    return responseFor({
      conn,
      origin,
      method: hop.method,
      signal: hop.signal,
      head,
      queue,
      bodyTimeout: settings.bodyTimeout,
      onEnd: () => {
        timing.end = now();
        void bodyWrite.done.then(() => pool.release(conn, head.keepAlive && bodyWrite.written && parser.leftover.length === 0 && !conn.dead));
        settings.onTiming?.(timing);
      },
    });
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
      onRequestHead: init?.onRequestHead,
      onResponseHead: init?.onResponseHead,
    };
    const signal = request.signal;
    let method = request.method;

    for (let redirects = 0; ; redirects++) {
      signal.throwIfAborted();
      const res = await withRetry({ url, method, headers, body, signal }, settings);
      const next = await nextHop(res, { url, method, headers, body }, request.redirect, redirects, maxRedirections);
      if (next === null) {
        Object.defineProperty(res, "url", { value: url.href, enumerable: true });
        Object.defineProperty(res, "redirected", { value: redirects > 0, enumerable: true });
        return res;
      }
      ({ url, method, body } = next);
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
