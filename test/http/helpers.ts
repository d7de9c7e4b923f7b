// Test-only Connector over node:net / node:tls, with errors mapped to LmwError codes the
// way our stack's connector reports them, plus certificate generation with openssl.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { LmwError, type ErrorCode } from "../../ts-bindings/src/errors.js";
import type { Connector } from "../../ts-bindings/src/http/index.js";
import type { ByteSocket, SocketInfo } from "../../ts-bindings/src/device/socket-types.js";

function mapError(err: NodeJS.ErrnoException): LmwError {
  const code = err.code ?? "";
  const table: Record<string, ErrorCode> = {
    ECONNRESET: "ERR_CONNECTION_RESET",
    ECONNREFUSED: "ERR_CONNECTION_REFUSED",
    EPIPE: "ERR_CONNECTION_RESET",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "ERR_TLS_CERT_UNTRUSTED",
    SELF_SIGNED_CERT_IN_CHAIN: "ERR_TLS_CERT_UNTRUSTED",
    DEPTH_ZERO_SELF_SIGNED_CERT: "ERR_TLS_CERT_UNTRUSTED",
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "ERR_TLS_CERT_UNTRUSTED",
    ERR_TLS_CERT_ALTNAME_INVALID: "ERR_TLS_HOSTNAME_MISMATCH",
  };
  return new LmwError(table[code] ?? "ERR_DIAL_FAILED", err.message, { layer: code.startsWith("E") ? "dialer" : "x509", cause: err });
}

export interface NodeConnectorOptions {
  ca?: string;
  /** Counts connect() calls. */
  onConnect?: () => void;
}

export function nodeConnector(opts: NodeConnectorOptions = {}): Connector {
  return {
    async connect({ host, port, tls: useTls, servername, signal }) {
      signal?.throwIfAborted();
      opts.onConnect?.();
      const sock: net.Socket = useTls
        ? tls.connect({ host, port, servername: net.isIP(servername ?? host) ? undefined : (servername ?? host), ca: opts.ca, rejectUnauthorized: true })
        : net.connect({ host, port });
      let failed: LmwError | null = null;
      let readableController!: ReadableStreamDefaultController<Uint8Array>;
      let readableDone = false;
      const readable = new ReadableStream<Uint8Array>(
        {
          start(c) {
            readableController = c;
          },
          pull() {
            sock.resume();
          },
          cancel() {
            sock.destroy();
          },
        },
        { highWaterMark: 1 },
      );
      sock.pause();
      sock.on("data", (d: Buffer) => {
        readableController.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.length));
        if ((readableController.desiredSize ?? 0) <= 0) sock.pause();
      });
      sock.on("end", () => {
        if (!readableDone) {
          readableDone = true;
          readableController.close();
        }
      });
      const opened = new Promise<SocketInfo>((resolve, reject) => {
        sock.once(useTls ? "secureConnect" : "connect", () =>
          resolve({ localAddress: sock.localAddress ?? "", remoteAddress: sock.remoteAddress ?? "" }),
        );
        sock.once("error", (e) => reject(mapError(e)));
      });
      opened.catch(() => {});
      const closed = new Promise<void>((resolve, reject) => {
        sock.once("close", () => (failed ? reject(failed) : resolve()));
      });
      closed.catch(() => {});
      sock.on("error", (e: NodeJS.ErrnoException) => {
        failed ??= mapError(e);
        if (!readableDone) {
          readableDone = true;
          readableController.error(failed);
        }
      });
      const writable = new WritableStream<Uint8Array>({
        write(chunk) {
          return new Promise((resolve, reject) => sock.write(chunk, (e) => (e ? reject(failed ?? mapError(e)) : resolve())));
        },
        close() {
          return new Promise((resolve) => sock.end(resolve));
        },
        abort() {
          sock.destroy();
        },
      });
      const onAbort = () => {
        sock.destroy();
        if (!readableDone) {
          readableDone = true;
          readableController.error(signal!.reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const openedDone = opened.finally(() => signal?.removeEventListener("abort", onAbort));
      openedDone.catch(() => {});
      const socket: ByteSocket = {
        readable,
        writable,
        opened: openedDone,
        closed,
        async close() {
          sock.end();
        },
        destroy(reason?: unknown) {
          failed ??= reason instanceof LmwError ? reason : null;
          sock.destroy();
          if (!readableDone) {
            readableDone = true;
            readableController.error(reason ?? new LmwError("ERR_SOCKET_DESTROYED", "socket destroyed", { layer: "api" }));
          }
        },
      };
      // Abort during connect: reject with the signal's reason.
      await Promise.race([
        opened,
        new Promise<never>((_, reject) => {
          if (signal?.aborted) reject(signal.reason);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
      ]).catch((e) => {
        sock.destroy();
        throw e;
      });
      return socket;
    },
  };
}

export interface TestCerts {
  dir: string;
  ca: string;
  key: string;
  cert: string;
  cleanup(): void;
}

/** A CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "lmw-http-certs-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=lmw test CA");
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");
  return {
    dir,
    ca: readFileSync(join(dir, "ca.pem"), "utf8"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
    cert: readFileSync(join(dir, "server.pem"), "utf8"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
