// examples/pico/smtp_client, built natively and to WASM, against a real SMTP server on
// loopback (smtp-server, implicit TLS with a certificate from the test CA the program
// trusts): the checks look at the mail as the server received it - envelope, headers,
// body - and at how the program logged in.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { describe, expect, it, vi } from "vitest";

import { createTestCa } from "../../ts-bindings/src/node/testca.js";
import { HTTPS_HOST, PLATFORMS, picoBuild, runOnNewNetwork, testPki } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

/** The program's defaults (examples/pico/smtp_client/CMakeLists.txt). */
const USER = "pico";
const PASSWORD = "mail-secret";

interface Received {
  /** The server names the clients asked for (SNI). */
  sni: string[];
  auth: { method: string; username: string | undefined }[];
  mails: { from: string | undefined; to: string[]; raw: string }[];
}

/** smtp-server with implicit TLS (SMTPS) for HTTPS_HOST, accepting USER with `password`;
 *  its certificate is the test PKI's (which the program trusts) unless `cert` is given. */
async function smtpServer(password: string, { authMethods = ["PLAIN", "LOGIN"], cert }: { authMethods?: string[]; cert?: { certPem: string; keyPem: string } } = {}) {
  const pki = testPki();
  const got: Received = { sni: [], auth: [], mails: [] };
  const identity = cert ? { key: cert.keyPem, cert: cert.certPem } : { key: readFileSync(pki.key), cert: readFileSync(pki.cert) };
  const options: SMTPServerOptions = {
    secure: true,
    name: HTTPS_HOST,
    ...identity,
    SNICallback(servername, callback) {
      got.sni.push(servername);
      callback(null, createSecureContext(identity));
    },
    authMethods,
    logger: false,
    onAuth(auth, _session, callback) {
      got.auth.push({ method: auth.method, username: auth.username });
      if (auth.username === USER && auth.password === password) callback(null, { user: USER });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const { mailFrom, rcptTo } = session.envelope;
        got.mails.push({
          from: mailFrom ? mailFrom.address : undefined,
          to: rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("latin1"),
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on("error", () => {}); // a client's TLS failure is reported to the program
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  return {
    port: (server.server.address() as AddressInfo).port,
    got,
    [Symbol.asyncDispose]: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Headers (lower-case names) and body of a message as received. */
function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

describe.each(PLATFORMS)("the SMTP client, %s", (platform) => {
  const build = () => picoBuild("smtp_client", platform, ["smtp_client"], { SMTP_CA_FILE: testPki().ca });
  // pico.test:465 (the program's server) goes to the test server's port on 127.0.0.1.
  const network = (port: number) => ({ connectTo: [`${HTTPS_HOST}:465:127.0.0.1:${port}`] });

  it("sends one mail over implicit TLS, logged in with AUTH PLAIN", async () => {
    const [artifact] = await build();
    await using smtp = await smtpServer(PASSWORD);
    const r = await runOnNewNetwork(artifact!, network(smtp.port));
    expect(r.out).toContain("mail sent to inbox@pico.test");
    expect(r.exitCode).toBe(0);
    // The connection carried the server's name (SNI; Mbed TLS checked the certificate
    // against it too).
    expect(smtp.got.sni).toEqual([HTTPS_HOST]);
    // lwIP's smtp prefers PLAIN when the server offers both.
    expect(smtp.got.auth).toEqual([{ method: "PLAIN", username: USER }]);
    expect(smtp.got.mails).toHaveLength(1);
    const mail = smtp.got.mails[0]!;
    expect(mail.from).toBe("pico@pico.test");
    expect(mail.to).toEqual(["inbox@pico.test"]);
    const { headers, body } = parseMail(mail.raw);
    expect(headers.get("subject")).toBe("Hello from a Pico W");
    expect(headers.get("from")).toBe("<pico@pico.test>");
    expect(headers.get("to")).toBe("<inbox@pico.test>");
    // The last line's CRLF is the one of lwIP's end of data ("\r\n.\r\n").
    expect(body).toBe("This mail was sent by lwIP's smtp client, over TLS.\r\nIt took one poll loop.\r\n");
  });

  it("logs in with AUTH LOGIN when that is all the server offers", async () => {
    const [artifact] = await build();
    await using smtp = await smtpServer(PASSWORD, { authMethods: ["LOGIN"] });
    const r = await runOnNewNetwork(artifact!, network(smtp.port));
    expect(r.exitCode).toBe(0);
    expect(smtp.got.auth).toEqual([{ method: "LOGIN", username: USER }]);
    expect(smtp.got.mails).toHaveLength(1);
  });

  it("a wrong password: the server refuses the login (535), no mail, the program fails", async () => {
    const [artifact] = await build();
    await using smtp = await smtpServer("another-password");
    const r = await runOnNewNetwork(artifact!, network(smtp.port));
    expect(r.out).toMatch(/mail failed: refused by the server \(result 6, server reply 535, err -?\d+\)/);
    expect(r.exitCode).toBe(1);
    expect(smtp.got.auth).toEqual([{ method: "PLAIN", username: USER }]);
    expect(smtp.got.mails).toEqual([]);
  });

  it("a server the CA did not sign: the handshake fails, the password is never sent", async () => {
    const [artifact] = await build();
    // The right name, but another CA's certificate.
    const stranger = createTestCa({ dnsNames: [HTTPS_HOST] }).leaf;
    await using smtp = await smtpServer(PASSWORD, { cert: stranger });
    const r = await runOnNewNetwork(artifact!, network(smtp.port));
    expect(r.out).toMatch(/mail failed: /);
    expect(r.exitCode).toBe(1);
    expect(smtp.got.sni).toEqual([HTTPS_HOST]);
    expect(smtp.got.auth).toEqual([]);
    expect(smtp.got.mails).toEqual([]);
  });
});
