// A Connector over node:net / node:tls for testing fetch without the stack: the library's
// own Node socket streams (dialer/node.ts) with TLS on top, errors mapped to the codes
// our stack's connector reports.

import net from "node:net";
import tls from "node:tls";
import { dialError, socketToStreams } from "../../ts-bindings/src/dialer/node.js";
import { LmwError, type ErrorCode } from "../../ts-bindings/src/errors.js";
import type { Connector } from "../../ts-bindings/src/http/index.js";
import type { SocketInfo } from "../../ts-bindings/src/device/socket-types.js";

/** Node's certificate errors, as our stack names them; errno codes as the Node dialer does. */
const TLS_CODES: Record<string, ErrorCode> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "ERR_TLS_CERT_UNTRUSTED",
  SELF_SIGNED_CERT_IN_CHAIN: "ERR_TLS_CERT_UNTRUSTED",
  DEPTH_ZERO_SELF_SIGNED_CERT: "ERR_TLS_CERT_UNTRUSTED",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "ERR_TLS_CERT_UNTRUSTED",
  ERR_TLS_CERT_ALTNAME_INVALID: "ERR_TLS_HOSTNAME_MISMATCH",
};

function mapError(err: NodeJS.ErrnoException, target: string): LmwError {
  const tlsCode = TLS_CODES[err.code ?? ""];
  return tlsCode ? new LmwError(tlsCode, err.message, { layer: "x509", cause: err }) : dialError(err, target);
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
      const target = `${host}:${port}`;
      const name = servername ?? host;
      const sock: net.Socket = useTls
        ? tls.connect({ host, port, servername: net.isIP(name) ? undefined : name, ca: opts.ca, rejectUnauthorized: true })
        : net.connect({ host, port });
      let failed: LmwError | undefined;
      sock.on("error", (e: NodeJS.ErrnoException) => (failed ??= mapError(e, target)));
      const closed = new Promise<void>((resolve, reject) => sock.once("close", () => (failed ? reject(failed) : resolve())));
      closed.catch(() => {});
      let onAbort: (() => void) | undefined;
      const info = await new Promise<SocketInfo>((resolve, reject) => {
        sock.once(useTls ? "secureConnect" : "connect", () =>
          resolve({ localAddress: sock.localAddress ?? "", remoteAddress: sock.remoteAddress ?? "" }),
        );
        sock.once("error", () => reject(failed));
        // Abort during connect: reject with the signal's reason.
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
      }).catch((e: unknown) => {
        sock.destroy();
        throw e;
      }).finally(() => signal?.removeEventListener("abort", onAbort!));
      const streams = socketToStreams(sock, target);
      return {
        readable: streams.readable,
        writable: streams.writable,
        opened: Promise.resolve(info),
        closed,
        async close() {
          sock.end();
        },
        destroy(reason?: unknown) {
          failed ??= reason instanceof LmwError ? reason : undefined;
          sock.destroy(); // a plain close: the servers under test see no RST from us
        },
      };
    },
  };
}
