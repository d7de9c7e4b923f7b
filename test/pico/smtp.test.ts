// examples/pico/smtp_client, built natively and to WASM, against a real SMTP server on
// loopback (smtp-server, implicit TLS with a certificate from the test CA the program
// trusts): the checks look at the mail as the server received it - envelope, headers,
// body - and at how the program logged in.
import { describe, expect, it, vi } from "vitest";

import { createTestCa } from "../../ts-bindings/src/node/testca.js";
import { HTTPS_HOST, PLATFORMS, picoBuild, runOnNewNetwork, testPki } from "../helpers/pico.js";
import { parseMail, smtpServer, SMTP_PASSWORD as PASSWORD, SMTP_USER as USER } from "../helpers/smtp.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

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
    expect(r.out).toMatch(/mail failed: the server refused \(result 6, server reply 535, err -?\d+\)/);
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
    // lwIP closes the connection when the handshake fails: SMTP_RESULT_ERR_CLOSED, ERR_CLSD.
    expect(r.out).toContain("mail failed: connection closed (result 4, server reply 0, err -15)");
    expect(r.exitCode).toBe(1);
    expect(smtp.got.sni).toEqual([HTTPS_HOST]);
    expect(smtp.got.auth).toEqual([]);
    expect(smtp.got.mails).toEqual([]);
  });
});
