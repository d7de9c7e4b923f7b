// Certificate verification and TLS versions through the whole path (device lwIP +
// Mbed TLS -> router -> Node dialer) against real servers: Node https and openssl s_server.
import { spawn, type ChildProcess } from "node:child_process";
import type { RequestListener } from "node:http";
import type { ServerOptions } from "node:https";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { createNetwork, type ConnectTlsOptions, type Network } from "../../ts-bindings/src/network.js";
import { httpsOrigin, rawGet, type HttpsOrigin } from "../helpers/origin.js";
import { Pki, type Cert } from "../helpers/pki.js";

let pki: Pki;
let net: Network;
const servers: HttpsOrigin[] = [];
const DAY = 24 * 3600e3;

beforeAll(async () => {
  pki = new Pki();
  net = await createNetwork();
});
afterAll(async () => {
  await net.close();
  for (const s of servers) s.close();
  pki.dispose();
});

/** An origin with this certificate; SECLEVEL=0 lets Node serve the weak chains under test. */
async function serve(cert: Cert, extra: ServerOptions = {}, handler: RequestListener = (_req, res) => res.end("ok")): Promise<number> {
  const origin = await httpsOrigin(cert, handler, { ciphers: "DEFAULT@SECLEVEL=0", ...extra });
  servers.push(origin);
  return origin.port;
}

const tryGet = (port: number, ca: string, extra: Partial<ConnectTlsOptions> = {}) => rawGet(net, { host: "localhost", port, ca, ...extra });

async function refusedWith(port: number, ca: string, code: string, extra: Partial<ConnectTlsOptions> = {}) {
  const err = await tryGet(port, ca, extra).then(() => undefined, (e: unknown) => e);
  expect(isLmwError(err), `expected ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return err as Error;
}

describe("accepted chains", () => {
  it("RSA-2048 root -> intermediate -> leaf", async () => {
    const root = pki.issue({ cn: "RSA Root", ca: true, keyType: "rsa2048" });
    const mid = pki.issue({ cn: "RSA Intermediate", ca: true, keyType: "rsa2048", issuer: root });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], keyType: "rsa2048", issuer: mid });
    const { info, text } = await tryGet(await serve(leaf), root.certPem);
    expect(text).toMatch(/^HTTP\/1\.1 200[\s\S]*ok$/);
    expect(info.tls?.peerCertificates.map((c) => c.subject)).toEqual(["CN=localhost", "CN=RSA Intermediate"]);
  });

  it("P-256 chain", async () => {
    const root = pki.issue({ cn: "P256 Root", ca: true, keyType: "p256" });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], keyType: "p256", issuer: root });
    const { info } = await tryGet(await serve(leaf), root.certPem);
    expect(info.tls?.version).toBe("TLSv1.3");
  });

  it("P-384 chain with SHA-384 signatures (the Pico users' -0x4E00 case)", async () => {
    const root = pki.issue({ cn: "P384 Root", ca: true, keyType: "p384", md: "sha384" });
    const mid = pki.issue({ cn: "P384 Intermediate", ca: true, keyType: "p384", md: "sha384", issuer: root });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], keyType: "p384", md: "sha384", issuer: mid });
    const { text } = await tryGet(await serve(leaf), root.certPem);
    expect(text).toMatch(/ok$/);
  });
});

describe("TLS versions", () => {
  let root: Cert;
  let leaf: Cert;
  beforeAll(() => {
    root = pki.issue({ cn: "Version Root", ca: true });
    leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
  });

  it("a TLS 1.2-only server gets TLS 1.2, with ChaCha20-Poly1305 first", async () => {
    // honorCipherOrder false: the server follows the client's preference, which we send.
    const { info } = await tryGet(await serve(leaf, { maxVersion: "TLSv1.2", honorCipherOrder: false }), root.certPem);
    expect(info.tls?.version).toBe("TLSv1.2");
    expect(info.tls?.cipherSuite).toMatch(/CHACHA20-POLY1305/);
  });

  it("a TLS 1.3-only server gets TLS 1.3", async () => {
    const { info } = await tryGet(await serve(leaf, { minVersion: "TLSv1.3" }), root.certPem);
    expect(info.tls?.version).toBe("TLSv1.3");
  });

  it("maxVersion 1.2 against a TLS 1.3-only server fails the handshake", async () => {
    await refusedWith(await serve(leaf, { minVersion: "TLSv1.3" }), root.certPem, "ERR_TLS_HANDSHAKE_FAILED", { maxVersion: "1.2" });
  });

  it("negotiates ALPN", async () => {
    const { info } = await tryGet(await serve(leaf, { ALPNProtocols: ["http/1.1"] }), root.certPem, { alpn: ["h2", "http/1.1"] });
    expect(info.tls?.alpnProtocol).toBe("http/1.1");
  });
});

describe("client certificates", () => {
  it("presents a client certificate when the server asks for one", async () => {
    const root = pki.issue({ cn: "Mutual Root", ca: true });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
    const client = pki.issue({ cn: "device-42", issuer: root });
    const port = await serve(leaf, { ca: root.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
      res.end(`hello ${peer.subject?.CN}`);
    });
    const { text } = await tryGet(port, root.certPem, { cert: client.certPem, key: client.keyPem });
    expect(text).toMatch(/hello device-42$/);
    // Without one, the server refuses: in TLS 1.3 the client's side of the handshake is done
    // before the server checks, so its fatal alert ends the first read of the open connection.
    const err = await tryGet(port, root.certPem).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_TLS_RECORD", layer: "mbedtls", nativeCode: -0x7780 }); // MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE
  });
});

describe("refused certificates", () => {
  let root: Cert;
  beforeAll(() => {
    root = pki.issue({ cn: "Trusted Root", ca: true });
  });

  it("expired", async () => {
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_EXPIRED");
  });

  it("not yet valid", async () => {
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_NOT_YET_VALID");
  });

  it("wrong name", async () => {
    const leaf = pki.issue({ cn: "elsewhere.test", san: ["elsewhere.test"], issuer: root });
    const err = await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_HOSTNAME_MISMATCH");
    expect(err.message).toContain("localhost");
  });

  it("self-signed", async () => {
    const self = pki.issue({ cn: "localhost", san: ["localhost"] });
    await refusedWith(await serve(self), root.certPem, "ERR_TLS_CERT_UNTRUSTED");
  });

  it("unknown root", async () => {
    const other = pki.issue({ cn: "Unknown Root", ca: true });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: other });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_UNTRUSTED");
  });

  it("missing intermediate", async () => {
    const mid = pki.issue({ cn: "Intermediate", ca: true, issuer: root });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: mid });
    await refusedWith(await serve({ ...leaf, chainPem: leaf.certPem }), root.certPem, "ERR_TLS_CERT_UNTRUSTED");
  });

  it("leaf issued by a certificate that is not a CA", async () => {
    const notCa = pki.issue({ cn: "Not A CA", issuer: root });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: notCa });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_UNTRUSTED");
  });

  it("SHA-1 signature", async () => {
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, md: "sha1" });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_WEAK_SIGNATURE");
  });

  it("RSA-1024 key", async () => {
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, keyType: "rsa1024" });
    await refusedWith(await serve(leaf), root.certPem, "ERR_TLS_CERT_WEAK_KEY");
  });

  it("is accepted only with dangerouslySkipVerification", async () => {
    const self = pki.issue({ cn: "whatever", san: ["whatever"] });
    const { text } = await tryGet(await serve(self), root.certPem, { dangerouslySkipVerification: true });
    expect(text).toMatch(/ok$/);
  });
});

describe("openssl s_server", () => {
  let proc: ChildProcess | undefined;
  afterAll(() => proc?.kill());

  async function freePort(): Promise<number> {
    const s = createTcpServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }

  for (const version of ["tls1_3", "tls1_2"] as const) {
    it(`serves us over ${version}`, async () => {
      const root = pki.issue({ cn: "OpenSSL Root", ca: true, keyType: "p384", md: "sha384" });
      const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, keyType: "p384", md: "sha384" });
      const port = await freePort();
      proc = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", leaf.certFile, "-key", leaf.keyFile,
        `-${version}`, "-www", "-naccept", "1"], { stdio: ["ignore", "pipe", "pipe"] });
      await new Promise<void>((resolve, reject) => {
        proc!.stdout!.on("data", (d: Buffer) => d.toString().includes("ACCEPT") && resolve());
        proc!.once("exit", (c) => reject(new Error(`s_server exited ${c}`)));
      });
      const { info, text } = await tryGet(port, root.certPem);
      expect(info.tls?.version).toBe(version === "tls1_3" ? "TLSv1.3" : "TLSv1.2");
      expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
    });
  }
});
