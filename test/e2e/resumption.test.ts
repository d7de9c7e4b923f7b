// TLS session resumption: the second connection to a server resumes the first's session
// (a TLS 1.2 session or a TLS 1.3 ticket), as the server itself reports.
import type { RequestListener } from "node:http";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { httpsOrigin, rawGet } from "../helpers/origin.js";
import { Pki, type Cert } from "../helpers/pki.js";

let pki: Pki;
let root: Cert;
let leaf: Cert;
beforeAll(() => {
  pki = new Pki();
  root = pki.issue({ cn: "Resume Root", ca: true });
  leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
});
afterAll(() => pki.dispose());

/** Says whether the server resumed the client's session. */
const reports: RequestListener = (req, res) => res.end((req.socket as TLSSocket).isSessionReused() ? "resumed" : "full");

describe("session resumption", () => {
  for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
    it(`resumes with ${version}`, async () => {
      const origin = await httpsOrigin(leaf, reports, { minVersion: version, maxVersion: version });
      const net = await createNetwork({ tls: { ca: root.certPem } });
      try {
        const get = async () => (await rawGet(net, { host: "localhost", port: origin.port })).body;
        expect(await get()).toBe("full");
        expect(await get()).toBe("resumed");
        expect(await get()).toBe("resumed");
      } finally {
        await net.close();
        origin.close();
      }
    });
  }

  it("can be turned off", async () => {
    const origin = await httpsOrigin(leaf, reports);
    const net = await createNetwork({ tls: { ca: root.certPem }, tlsSessionCache: false });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await net.fetch(`${origin.url}/`, { headers: { connection: "close" } });
        expect(await r.text()).toBe("full");
      }
    } finally {
      await net.close();
      origin.close();
    }
  });
});
