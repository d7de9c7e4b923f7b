// Runs the book's HTTPS client - the Pico W style C program in native/apps/https_client.c -
// inside a network's device stack, and turns what it printed into a response.
//
// The C side does everything a Pico W does: lwIP's DNS, altcp_tls_new, altcp_connect, one
// "GET ... Connection: close", the bytes until the server closes. This file only starts
// it (lmw_app_https_get), collects the raw bytes it hands to the host, waits for
// LMW_EV_APP_DONE, and parses the HTTP/1.1 response with the library's strict parser.
import { bundledCaPem } from "../ffi/ca-bundle.js";
import { concatBytes } from "../bytes.js";
import { LwipErr } from "../ffi/generated/errors.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import { LmwError } from "../errors.js";
import { ResponseParser, type HeaderList } from "../http/parser.js";
import { lwipErrorCode, lwipErrorName, tlsHandshakeError } from "../ffi/native-errors.js";
import { isIPv4Literal, type Network } from "../network.js";
import type { Stack } from "../device/stack.js";

export interface CClientOptions {
  /** Trusted roots (PEM). Default: the bundled CA set (the same as fetch's). */
  ca?: string;
  /** Turns certificate verification OFF in the C client (curl's -k; the Pico example's
   *  behaviour). Anyone on the path can impersonate the server. For tests only. */
  insecure?: boolean;
  /** The C client gives up after this many ms without progress (counted in 1 s lwIP
   *  polls; default 30000): ERR_TIMEOUT. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CClientResponse {
  status: number;
  headers: [string, string][];
  /** The body, de-chunked when the server sent Transfer-Encoding: chunked. */
  body: Uint8Array;
  /** Every byte the server sent after the TLS handshake, as the C client received it. */
  raw: Uint8Array;
  /** From the call to the end of the C client's run. */
  ms: number;
}

const { ERR_TIMEOUT, ERR_VAL, ERR_ABRT, ERR_RST, ERR_CLSD, ERR_ARG } = LwipErr;
const MBEDTLS_ERR_SSL_BAD_INPUT_DATA = -0x7100; // mbedtls/ssl.h
const encoder = new TextEncoder();

type Sink = (data: Uint8Array) => void;
const sinksByStack = new WeakMap<Stack, Map<number, Sink>>();

/** Routes the stack's application-data hook to the request it belongs to. */
function sinks(stack: Stack): Map<number, Sink> {
  let map = sinksByStack.get(stack);
  if (!map) {
    const m = new Map<number, Sink>();
    sinksByStack.set(stack, m);
    stack.onAppData = (userId, data) => m.get(userId)?.(data);
    map = m;
  }
  return map;
}

/** Parses a complete HTTP/1.1 response (the connection has ended). */
function parseResponse(raw: Uint8Array, where: string): Omit<CClientResponse, "raw" | "ms"> {
  const parser = new ResponseParser();
  const events = [...parser.execute(raw), ...parser.finish()];
  let status = 0;
  let headers: HeaderList = [];
  const body: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  for (const e of events) {
    switch (e.type) {
      case "head":
        status = e.head.status;
        headers = e.head.headers;
        break;
      case "body":
        body.push(e.data);
        size += e.data.length;
        break;
      case "end":
        ended = true;
        break;
      case "error":
        throw e.error;
      case "informational":
        break;
    }
    if (ended) break;
  }
  if (!ended) throw new LmwError("ERR_HTTP_PREMATURE_CLOSE", `the response ended early (${where})`, { layer: "http" });
  return { status, headers, body: concatBytes(body) };
}

/**
 * GETs `url` with the C client inside `network.device`, verified against `options.ca`
 * (default: the bundled roots). Failures are LmwErrors with the same codes as the TS
 * sockets: ERR_DNS_NOT_FOUND, ERR_CONNECTION_REFUSED (or the dialer's reason),
 * ERR_TLS_CERT_UNTRUSTED, ERR_TLS_HOSTNAME_MISMATCH, ..., ERR_TIMEOUT, ERR_ABORTED.
 */
export async function runCClient(network: Network, url: string | URL, options: CClientOptions = {}): Promise<CClientResponse> {
  const started = performance.now();
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "https:") {
    throw new LmwError("ERR_INVALID_URL", `the C client speaks https only, not ${u.protocol}`, { layer: "api" });
  }
  if (u.hostname.startsWith("[")) {
    throw new LmwError("ERR_INVALID_URL", "the device stack has no IPv6", { layer: "api" });
  }
  const host = u.hostname;
  const port = u.port ? Number(u.port) : 443;
  const path = `${u.pathname || "/"}${u.search}`;
  const where = `${host}:${port}`;
  const caPem = options.ca ?? (await bundledCaPem()); // the bundle is loaded on first use only
  // An IP literal is connected to directly (loopback mapped as Network does); names go
  // through the C client's own DNS lookup.
  const connectIp = isIPv4Literal(host) ? network.deviceAddress(host) : "";
  const signal = options.signal;
  signal?.throwIfAborted();

  const stack = network.device;
  if (stack.disposed) throw new LmwError("ERR_NETWORK_CLOSED", "the network is closed", { layer: "api" });
  const { mem, mod } = stack;
  const chunks: Uint8Array[] = [];
  let total = 0;

  return new Promise<CClientResponse>((resolve, reject) => {
    let settled = false;
    let unwatch: (() => void) | undefined;
    const onAbort = () => {
      // The C side ends with ERR_ABRT; its result is still collected (and freed) then.
      if (!stack.disposed) {
        mod._lmw_app_abort(id);
        stack.kick();
      }
      fail(new LmwError("ERR_ABORTED", "aborted", { layer: "api", cause: signal?.reason }));
    };
    const cleanup = () => {
      sinks(stack).delete(id);
      stack.unregister(id);
      stack.release();
      signal?.removeEventListener("abort", onAbort);
      unwatch?.();
    };
    function fail(e: unknown): void {
      if (settled) return;
      settled = true;
      reject(e);
    }
    const id = stack.register((kind) => {
      if (kind === LmwEvent.APP_DONE) done();
    });
    stack.retain();
    sinks(stack).set(id, (data) => {
      chunks.push(data);
      total += data.length;
    });

    function done(): void {
      let status: number;
      let tlsErr: number;
      let verifyFlags: number;
      let remote: string;
      {
        using out = mem.alloc(8);
        using addr = mem.alloc(64);
        status = mod._lmw_app_result(id, out.ptr, out.ptr + 4, addr.ptr, 64);
        tlsErr = out.i32(0);
        verifyFlags = out.u32(4);
        remote = mem.readCString(addr.ptr);
      }
      cleanup();
      if (settled) return;
      const raw = concatBytes(chunks);
      const ms = performance.now() - started;
      if (status === 0) {
        try {
          resolve({ ...parseResponse(raw, where), raw, ms });
          settled = true;
        } catch (e) {
          fail(e);
        }
        return;
      }
      fail(failure(status, tlsErr, verifyFlags, remote));
    }

    function failure(status: number, tlsErr: number, verifyFlags: number, remote: string): LmwError {
      if (status === ERR_VAL && remote === "") {
        return new LmwError("ERR_DNS_NOT_FOUND", `cannot resolve "${host}"`, { layer: "dns", nativeCode: status });
      }
      if (tlsErr !== 0 && (status === ERR_CLSD || status === ERR_ARG || verifyFlags !== 0)) {
        if (status === ERR_ARG && tlsErr === MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
          return new LmwError("ERR_INVALID_ARG", `Mbed TLS refused the server name "${host}"`, { layer: "mbedtls", nativeCode: tlsErr });
        }
        if (status === ERR_ARG) {
          return new LmwError("ERR_TLS_CA_INVALID", `cannot load the trusted CA certificates (${where})`, { layer: "mbedtls", nativeCode: tlsErr });
        }
        return tlsHandshakeError(tlsErr, verifyFlags, host);
      }
      if (status === ERR_RST) {
        // The device only saw a RST; the router knows why the dial failed.
        return network.router.lastFailure(remote) ??
          new LmwError("ERR_CONNECTION_REFUSED", `connection refused (${where})`, { layer: "lwip", nativeCode: status });
      }
      if (status === ERR_TIMEOUT) {
        return new LmwError("ERR_TIMEOUT", `the C client made no progress for ${options.timeoutMs ?? 30_000} ms (${where})`, { layer: "lwip", nativeCode: status });
      }
      if (status === ERR_ABRT) {
        return new LmwError("ERR_CONNECTION_ABORTED", `connection aborted (${where})`, { layer: "lwip", nativeCode: status });
      }
      if (tlsErr !== 0) return tlsHandshakeError(tlsErr, verifyFlags, host);
      return new LmwError(lwipErrorCode(status),
        `the C client failed: ${lwipErrorName(status)} (${where})`, { layer: "lwip", nativeCode: status });
    }

    let err: number;
    {
      using hostC = mem.cstring(host);
      using ipC = mem.cstring(connectIp);
      using pathC = mem.cstring(path);
      // PEM: Mbed TLS wants the terminating NUL inside the length.
      using ca = mem.bytes(encoder.encode(`${caPem}\0`));
      err = mod._lmw_app_https_get(id, hostC.ptr, ipC.ptr, port, pathC.ptr, ca.ptr, ca.size,
        options.insecure ? 1 : 0, options.timeoutMs ?? 0);
    }
    stack.kick();
    if (err !== 0) {
      cleanup();
      fail(new LmwError(err === ERR_ARG ? "ERR_INVALID_ARG" : lwipErrorCode(err),
        `cannot start the C client for ${where}: ${lwipErrorName(err)}`, { layer: "api", nativeCode: err }));
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    // Closing the network drops the stack with the request in it: no event will come.
    unwatch = stack.onDispose(() => {
      cleanup();
      fail(new LmwError("ERR_NETWORK_CLOSED", "the network was closed during the request", { layer: "api" }));
    });
  });
}
