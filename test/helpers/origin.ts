// A local HTTPS origin for "localhost" with a CA made for the test (openssl, test/helpers/pki.ts).
import type { RequestListener } from "node:http";
import { createServer, type Server, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { Pki, type Cert } from "./pki.js";

export interface LocalOrigin {
  pki: Pki;
  root: Cert;
  leaf: Cert;
  server: Server;
  port: number;
  close(): void;
}

export async function localOrigin(handler: RequestListener, options: ServerOptions = {}): Promise<LocalOrigin> {
  const pki = new Pki();
  const root = pki.issue({ cn: "Test Origin Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost", "127.0.0.1"], issuer: root });
  const server = createServer({ cert: leaf.chainPem, key: leaf.keyPem, ...options }, handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    pki,
    root,
    leaf,
    server,
    port: (server.address() as AddressInfo).port,
    close() {
      server.close();
      pki.dispose();
    },
  };
}
