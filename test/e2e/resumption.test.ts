// TLS session resumption: the second connection to a server resumes the first's session
// (a TLS 1.2 session or a TLS 1.3 ticket), as the server itself reports.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { Pki, type Cert } from "../helpers/pki.js";
import { readAll } from "../helpers/stacks.js";

let pki: Pki;
let root: Cert;
let leaf: Cert;
beforeAll(() => {
  pki = new Pki();
  root = pki.issue({ cn: "Resume Root", ca: true });
  leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
});
afterAll(() => pki.dispose());

describe("session resumption", () => {
  for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
    it(`resumes with ${version}`, async () => {
      const server: Server = createServer({ cert: leaf.chainPem, key: leaf.keyPem, minVersion: version, maxVersion: version }, (req, res) => {
        res.end((req.socket as TLSSocket).isSessionReused() ? "resumed" : "full");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as AddressInfo).port;
      const net = await createNetwork({ tls: { ca: root.certPem } });
      try {
        const get = async () => {
          const sock = await net.connectTls({ host: "localhost", port });
          const w = sock.writable.getWriter();
          await w.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
          w.releaseLock();
          const text = new TextDecoder().decode(await readAll(sock.readable));
          await sock.close();
          return text.slice(text.indexOf("\r\n\r\n") + 4);
        };
        expect(await get()).toBe("full");
        expect(await get()).toBe("resumed");
        expect(await get()).toBe("resumed");
      } finally {
        await net.close();
        server.close();
      }
    });
  }

  it("can be turned off", async () => {
    const server: Server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
      res.end((req.socket as TLSSocket).isSessionReused() ? "resumed" : "full");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const net = await createNetwork({ tls: { ca: root.certPem }, tlsSessionCache: false });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await net.fetch(`https://localhost:${port}/`, { headers: { connection: "close" } });
        expect(await r.text()).toBe("full");
      }
    } finally {
      await net.close();
      server.close();
    }
  });
});
