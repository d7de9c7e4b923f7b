// The capture decoder against real captures: the device stack fetches from a local HTTPS
// origin (Node's TLS, a test CA) with the key log on, every frame of its link goes into a
// CaptureDecoder, and the decoder must find the layers, cut the TLS records and decrypt
// them with the key log, for each AEAD suite our client offers, in TLS 1.3 and 1.2.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CaptureDecoder,
  chacha20Poly1305Open,
  summarizeCertificate,
  type TlsRecord,
} from "../../ts-bindings/src/link/decode/index.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import type { TlsClientOptions } from "../../ts-bindings/src/device/tls-config.js";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { localOrigin, type LocalOrigin } from "../helpers/origin.js";

let origin: LocalOrigin;
const body = `decoded ${"x".repeat(40)}`;

beforeAll(async () => {
  origin = await localOrigin((_req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(body);
  });
});
afterAll(() => origin?.close());

async function capture(tls: TlsClientOptions): Promise<{ cap: CaptureDecoder; error?: unknown }> {
  const cap = new CaptureDecoder();
  const net = await createNetwork({
    tls: { ca: origin.root.certPem, keylog: true, ...tls },
    onFrame: (frame, _from, t) => cap.add(frame.slice(), t),
    onLog: (e) => e.source === "keylog" && cap.addKeyLogLine(e.text),
  });
  try {
    const res = await net.fetch(`https://localhost:${origin.port}/hello`, { headers: { connection: "close" } });
    expect(await res.text()).toBe(body);
    return { cap };
  } catch (error) {
    return { cap, error };
  } finally {
    await net.close();
  }
}

async function plaintexts(cap: CaptureDecoder, fromClient: boolean): Promise<string[]> {
  const recs: TlsRecord[] = cap.frames.flatMap((f) => f.tls).filter((r) => r.fromClient === fromClient);
  const out: string[] = [];
  for (const r of recs) {
    const d = await cap.decrypt(r);
    if (d.ok && d.type === 23) out.push(new TextDecoder().decode(d.plaintext));
  }
  return out;
}

describe("capture decoder", () => {
  it("decodes the layers of ARP, DNS and TCP frames", async () => {
    const { cap } = await capture({});
    const names = cap.frames.map((f) => f.decoded.layers.map((l) => l.name).join("/"));
    expect(names).toContain("Ethernet II/ARP");
    const dns = cap.frames.filter((f) => f.decoded.protocol === "DNS");
    expect(dns.map((f) => f.summary).join("\n")).toMatch(/query 0x[0-9a-f]+ A localhost/);
    expect(dns.map((f) => f.summary).join("\n")).toMatch(/response 0x[0-9a-f]+ A localhost → 198\.18\.\d+\.\d+/);
    const syn = cap.frames.find((f) => f.decoded.tcp && f.decoded.tcp.flags === 0x02)!;
    expect(syn.decoded.layers.find((l) => l.name === "TCP")!.fields).toContainEqual(["Option: MSS", expect.stringMatching(/^\d+$/)]);
    expect(cap.frames.some((f) => f.summary.startsWith("TLS ClientHello"))).toBe(true);
  });

  for (const [suite, version] of [
    ["TLS1-3-CHACHA20-POLY1305-SHA256", "1.3"],
    ["TLS1-3-AES-128-GCM-SHA256", "1.3"],
    ["TLS1-3-AES-256-GCM-SHA384", "1.3"],
    ["TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256", "1.2"],
    ["TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", "1.2"],
    ["TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "1.2"],
  ] as const) {
    it(`decrypts ${suite} records with the key log`, async () => {
      const { cap, error } = await capture({ ciphers: [suite], minVersion: version, maxVersion: version });
      expect(error).toBeUndefined();
      const conn = cap.streams.connections[0]!;
      expect(conn.version).toBe(version === "1.3" ? 0x0304 : 0x0303);
      expect(conn.serverName).toBe("localhost");
      const fromServer = (await plaintexts(cap, false)).join("");
      expect(fromServer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(fromServer).toContain(body);
      expect((await plaintexts(cap, true)).join("")).toMatch(/^GET \/hello HTTP\/1\.1\r\n/);
      // The server's chain, leaf first, from the handshake (encrypted in 1.3).
      const chain = (await cap.serverCertificates(conn)).map(summarizeCertificate);
      expect(chain[0]!.subject).toBe("CN=localhost");
      expect(chain[0]!.altNames).toContain("localhost");
    });
  }

  it("recovers the chain of a certificate the client refused", async () => {
    const { cap, error } = await capture({ ca: undefined });
    expect(isLmwError(error, "ERR_TLS_CERT_UNTRUSTED")).toBe(true);
    const chain = (await cap.serverCertificates(cap.streams.connections[0]!)).map(summarizeCertificate);
    // The origin sends its leaf only; the issuer it names is the root the client lacked.
    expect(chain.map((c) => [c.subject, c.issuer])).toEqual([["CN=localhost", "CN=Test Origin Root"]]);
    expect(chain[0]!.selfSigned).toBe(false);
  });

  it("refuses a ChaCha20-Poly1305 record whose tag does not match", () => {
    // RFC 8439 2.8.2's test vector, then one flipped ciphertext bit.
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = Uint8Array.from([0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]);
    const aad = Uint8Array.from([0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7]);
    const sealed = Buffer.from(
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" +
        "1ae10b594f09e26a7e902ecbd0600691",
      "hex",
    );
    const plain = chacha20Poly1305Open(key, nonce, sealed, aad);
    expect(new TextDecoder().decode(plain)).toMatch(/^Ladies and Gentlemen of the class of '99: If I could offer you only one tip/);
    sealed[3]! ^= 1;
    expect(chacha20Poly1305Open(key, nonce, sealed, aad)).toBeUndefined();
  });
});
