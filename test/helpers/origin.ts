// Local HTTPS origins for the end-to-end tests: Node https servers on 127.0.0.1 with
// certificates from test/helpers/pki.ts, and the raw GET the tests send them through the
// device (one request with Connection: close, read to the end).
import type { RequestListener } from "node:http";
import { createServer, type Server, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import type { SocketInfo } from "../../ts-bindings/src/device/socket-types.js";
import type { ConnectTlsOptions, Network } from "../../ts-bindings/src/network.js";
import { Pki, type Cert } from "./pki.js";
import { readAll } from "./streams.js";

export interface HttpsOrigin {
  server: Server;
  port: number;
  /** https://localhost:<port> */
  url: string;
  close(): void;
}

/** An HTTPS server on 127.0.0.1 presenting `cert`'s chain. */
export async function httpsOrigin(cert: Cert, handler: RequestListener, options: ServerOptions = {}): Promise<HttpsOrigin> {
  const server = createServer({ cert: cert.chainPem, key: cert.keyPem, ...options }, handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `https://localhost:${port}`, close: () => server.close() };
}

export interface LocalOrigin extends HttpsOrigin {
  /** Its own PKI: issue more certificates from it; disposed by close(). */
  pki: Pki;
  root: Cert;
  /** "localhost" and 127.0.0.1, issued by root. */
  leaf: Cert;
}

/** A fresh CA, a leaf for localhost / 127.0.0.1, and an HTTPS origin serving with it. */
export async function localOrigin(handler: RequestListener, options: ServerOptions = {}): Promise<LocalOrigin> {
  const pki = new Pki();
  const root = pki.issue({ cn: "Test Origin Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost", "127.0.0.1"], issuer: root });
  const origin = await httpsOrigin(leaf, handler, options);
  return {
    ...origin,
    pki,
    root,
    leaf,
    close() {
      origin.close();
      pki.dispose();
    },
  };
}

export interface RawResponse {
  /** The connection's details (TLS version, suite, peer chain). */
  info: SocketInfo;
  /** The whole response as text, head and body. */
  text: string;
  head: string;
  body: string;
}

/** GET `path` over net.connectTls to host:port with Connection: close, read to the end. */
export async function rawGet(net: Network, options: ConnectTlsOptions & { path?: string }): Promise<RawResponse> {
  const { path = "/", ...connect } = options;
  const sock = await net.connectTls(connect);
  const info = await sock.opened;
  const w = sock.writable.getWriter();
  await w.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${connect.host}\r\nConnection: close\r\n\r\n`));
  w.releaseLock();
  const text = new TextDecoder().decode(await readAll(sock.readable));
  await sock.close();
  const split = text.indexOf("\r\n\r\n");
  return { info, text, head: split < 0 ? text : text.slice(0, split), body: split < 0 ? "" : text.slice(split + 4) };
}
