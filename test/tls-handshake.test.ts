// TLS between two lwIP stacks in one process (two instances of the WASM module on a
// virtual Ethernet link): client and server both over lwIP's altcp_tls with Mbed TLS.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isLmwError } from "../ts-bindings/src/errors.js";
import { StackListener } from "../ts-bindings/src/device/listener.js";
import { StackSocket } from "../ts-bindings/src/device/socket.js";
import { TlsConfig, type TlsClientOptions, type TlsVersion } from "../ts-bindings/src/device/tls-config.js";
import { Pki, type Cert } from "./helpers/pki.js";
import { stackPair, type StackPair } from "./helpers/stacks.js";
import { readAll } from "./helpers/streams.js";

let pki: Pki;
let root: Cert;
let leaf: Cert;
let otherRoot: Cert;

beforeAll(() => {
  pki = new Pki();
  root = pki.issue({ cn: "Test Root", ca: true });
  otherRoot = pki.issue({ cn: "Other Root", ca: true });
  leaf = pki.issue({ cn: "server.test", san: ["server.test"], issuer: root });
});
afterAll(() => pki.dispose());

let pair: StackPair | undefined;
afterEach(() => {
  pair?.dispose();
  pair = undefined;
});

/** A TLS echo-once server on the server stack; a client connection from the client stack. */
async function handshake(
  client: Partial<TlsClientOptions> & { servername?: string },
  server: { maxVersion?: TlsVersion; minVersion?: TlsVersion } = {},
  stacks: Parameters<typeof stackPair>[0] = {},
) {
  pair = await stackPair(stacks);
  const p = pair;
  const serverCfg = TlsConfig.server(p.server, { cert: leaf.chainPem, key: leaf.keyPem, ...server });
  const served: Promise<string>[] = [];
  const listener = new StackListener(p.server, { port: 443, tls: serverCfg }, (sock) => {
    served.push((async () => {
      const reader = sock.readable.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      const writer = sock.writable.getWriter();
      await writer.write(new TextEncoder().encode(`echo:${new TextDecoder().decode(value)}`));
      writer.releaseLock();
      await sock.close();
      return "served";
    })().catch((e: unknown) => `failed: ${(e as Error).message}`));
  });
  const clientCfg = TlsConfig.client(p.client, { ca: root.certPem, ...client });
  const sock = StackSocket.connect(p.client, { ip: p.serverIp, port: 443, tls: clientCfg, servername: client.servername ?? "server.test" });
  const cleanup = () => {
    listener.dispose();
  };
  return { sock, served, cleanup, clientCfg, serverCfg };
}

describe("TLS handshake between two lwIP stacks", () => {
  for (const version of ["1.3", "1.2"] as const) {
    it(`completes with TLS ${version} and carries data both ways`, async () => {
      const { sock, served, cleanup } = await handshake({ maxVersion: version, minVersion: version });
      const info = await sock.opened;
      expect(info.tls?.version).toBe(version === "1.3" ? "TLSv1.3" : "TLSv1.2");
      expect(info.tls?.cipherSuite).toMatch(/CHACHA20-POLY1305/); // our preferred order
      expect(info.tls?.peerCertificates[0]?.subject).toBe("CN=server.test");
      expect(info.tls?.peerCertificates[0]?.issuer).toBe("CN=Test Root");
      expect(info.remoteAddress).toBe("10.0.2.2:443");
      const w = sock.writable.getWriter();
      await w.write(new TextEncoder().encode("hello"));
      w.releaseLock();
      const body = new TextDecoder().decode(await readAll(sock.readable));
      expect(body).toBe("echo:hello");
      await sock.close();
      await expect(Promise.all(served)).resolves.toEqual(["served"]);
      expect(pair!.client.assertCount() + pair!.server.assertCount()).toBe(0);
      cleanup();
    });
  }

  it("fails with ERR_TLS_CERT_UNTRUSTED when the client does not trust the server's CA", async () => {
    const { sock, cleanup } = await handshake({ ca: otherRoot.certPem });
    const err = await sock.opened.catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_TLS_CERT_UNTRUSTED")).toBe(true);
    expect((err as { layer: string }).layer).toBe("x509");
    cleanup();
  });

  it("fails with ERR_TLS_HOSTNAME_MISMATCH when the name does not match", async () => {
    const { sock, cleanup } = await handshake({ servername: "other.test" });
    const err = await sock.opened.catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_TLS_HOSTNAME_MISMATCH")).toBe(true);
    expect((err as Error).message).toMatch(/other\.test/);
    cleanup();
  });

  it("verifies by default: no server name means no handshake (fails closed)", async () => {
    pair = await stackPair();
    const serverCfg = TlsConfig.server(pair.server, { cert: leaf.chainPem, key: leaf.keyPem });
    const listener = new StackListener(pair.server, { port: 443, tls: serverCfg }, () => {});
    const cfg = TlsConfig.client(pair.client, { ca: root.certPem });
    const sock = StackSocket.connect(pair.client, { ip: pair.serverIp, port: 443, tls: cfg });
    const err = await sock.opened.catch((e: unknown) => e);
    // MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME
    expect(err).toMatchObject({ code: "ERR_TLS_HANDSHAKE_FAILED", layer: "mbedtls", nativeCode: -0x5d80 });
    listener.dispose();
  });

  it("sends Mbed TLS's debug output to onLog at the threshold asked for, in every build", async () => {
    const lines: string[] = [];
    const onLog = (e: { source: string; text: string }) => void (e.source === "mbedtls" && lines.push(e.text));
    const { sock, cleanup } = await handshake({}, {}, { client: { debug: { mbedtls: 2 }, onLog } });
    await sock.opened;
    await sock.close();
    cleanup();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => /^[12] \w+\.c:\d+: /.test(l))).toBe(true); // "level file:line: text", none above 2
  });

  it("completes with an untrusted certificate only with dangerouslySkipVerification", async () => {
    const { sock, cleanup } = await handshake({ ca: otherRoot.certPem, dangerouslySkipVerification: true });
    const info = await sock.opened;
    expect(info.tls?.version).toBe("TLSv1.3");
    await sock.close();
    cleanup();
  });
});

describe("TLS configuration", () => {
  it("takes cipher suites and ALPN names as lists, and refuses unknown suites and over-long names", async () => {
    pair = await stackPair();
    const s = pair.client;
    const ok = TlsConfig.client(s, { ca: root.certPem, ciphers: ["TLS1-3-AES-128-GCM-SHA256", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"], alpn: ["h2", "http/1.1"] });
    ok.dispose();
    const heap = s.heapInUse(); // after one config: lwIP's shared DRBG is seeded once, on the first
    const refused = (options: Partial<TlsClientOptions>) => {
      try {
        TlsConfig.client(s, { ca: root.certPem, ...options }).dispose();
        return undefined;
      } catch (e) {
        return e;
      }
    };
    const BAD_INPUT = -0x7100; // MBEDTLS_ERR_SSL_BAD_INPUT_DATA
    expect(refused({ ciphers: ["TLS1-3-AES-128-GCM-SHA256", "NO-SUCH-SUITE"] })).toMatchObject({ code: "ERR_TLS_CONFIG", nativeCode: BAD_INPUT });
    expect(refused({ ciphers: [","] })).toMatchObject({ code: "ERR_TLS_CONFIG", nativeCode: BAD_INPUT });
    expect(refused({ alpn: ["h2", "x".repeat(256)] })).toMatchObject({ code: "ERR_TLS_CONFIG", nativeCode: BAD_INPUT });
    expect(s.heapInUse()).toBe(heap); // the refused lists were freed
  });
});
