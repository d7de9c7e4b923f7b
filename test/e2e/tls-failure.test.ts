// tlsFailureOf(error): what a failed TLS handshake leaves (the chain as received with the
// checks each certificate failed, the alert the server sent), and responseTimeline for a
// fetch that worked; real node:https servers, certificates from test/helpers/pki.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork, responseTimeline, socketInfoOf, tlsFailureOf, type FetchTiming, type Network } from "../../ts-bindings/src/index.js";
import { Pki, type Cert } from "../helpers/pki.js";

let pki: Pki;
let root: Cert;
let net: Network;
const servers: Server[] = [];

async function serve(cert: Cert, minVersion?: "TLSv1.3"): Promise<number> {
  const s = createServer({ cert: cert.chainPem, key: cert.keyPem, minVersion }, (_q, r) => r.end("ok"));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  pki = new Pki();
  root = pki.issue({ cn: "Failure Root", ca: true });
  net = await createNetwork({ tls: { ca: root.certPem } });
});

afterAll(async () => {
  await net.close();
  for (const s of servers) s.close();
  pki.dispose();
});

describe("tlsFailureOf", () => {
  it("gives the chain as received, each certificate's failed checks, and the anchor it reached", async () => {
    const mid = pki.issue({ cn: "Failure Mid", ca: true, issuer: root });
    const day = 24 * 3600e3;
    const port = await serve(pki.issue({ cn: "localhost", san: ["localhost"], issuer: mid, notBefore: new Date(Date.now() - 9 * day), notAfter: new Date(Date.now() - day) }));
    const e = await net.connectTls({ host: "localhost", port }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "ERR_TLS_CERT_EXPIRED" });
    const f = tlsFailureOf(e)!;
    expect(f.alert).toBeUndefined();
    expect(f.certificates.map((c) => [c.from, c.subject, c.issuer, c.failed])).toEqual([
      ["peer", "CN=localhost", "CN=Failure Mid", ["EXPIRED"]],
      ["peer", "CN=Failure Mid", "CN=Failure Root", []],
      ["ca", "CN=Failure Root", "CN=Failure Root", []],
    ]);
    expect(f.certificates[0]!.validTo).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(f.certificates[0]!.raw[0]).toBe(0x30); // DER: a SEQUENCE
  });

  it("names the fatal alert the server sent: protocol_version (70) for a version mismatch", async () => {
    const port = await serve(pki.issue({ cn: "localhost", san: ["localhost"], issuer: root }), "TLSv1.3");
    const e = await net.connectTls({ host: "localhost", port, maxVersion: "1.2" }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "ERR_TLS_HANDSHAKE_FAILED" });
    expect((e as Error).message).toContain("the server sent the fatal alert protocol_version (70)");
    expect(tlsFailureOf(e)).toMatchObject({ alert: { code: 70, name: "protocol_version" }, certificates: [] });
    expect(tlsFailureOf(new Error("other"))).toBeUndefined();
  });
});

describe("responseTimeline", () => {
  it("gives curl's times in order and consecutive phases for a fresh connection, and no connect phases for a reused one", async () => {
    const port = await serve(pki.issue({ cn: "localhost", san: ["localhost"], issuer: root }));
    const get = async () => {
      let timing: FetchTiming | undefined;
      const start = performance.now();
      const res = await net.fetch(`https://localhost:${port}/`, { onTiming: (t) => (timing = t) });
      await res.text();
      return responseTimeline(timing!, socketInfoOf(res), start);
    };
    const fresh = await get();
    expect(fresh.reused).toBe(false);
    const marks = [fresh.namelookup!, fresh.connect!, fresh.appconnect!, fresh.pretransfer, fresh.starttransfer, fresh.total];
    expect(marks.every((m) => m >= 0)).toBe(true);
    expect([...marks].sort((a, b) => a - b)).toEqual(marks);
    expect(fresh.phases.map((p) => p.name)).toEqual(["dns", "tcp", "tls", "wait", "download"]);
    for (let i = 1; i < fresh.phases.length; i++) expect(fresh.phases[i]!.start).toBe(fresh.phases[i - 1]!.end);
    const reused = await get();
    expect(reused.reused).toBe(true);
    expect([reused.namelookup, reused.connect, reused.appconnect]).toEqual([undefined, undefined, undefined]);
    expect(reused.phases.map((p) => p.name)).toEqual(["reused", "wait", "download"]);
  });
});
