// A real SMTP server for the Pico programs' tests: smtp-server (npm) with implicit TLS
// (SMTPS) and the test PKI's certificate for HTTPS_HOST, which examples/pico/smtp_client
// trusts. It keeps what it saw: the SNI names, the logins, and each mail as received.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

import { HTTPS_HOST, testPki } from "./pico.js";

/** The program's defaults (examples/pico/smtp_client/CMakeLists.txt). */
export const SMTP_USER = "pico";
export const SMTP_PASSWORD = "mail-secret";

export interface Received {
  /** The server names the clients asked for (SNI). */
  sni: string[];
  auth: { method: string; username: string | undefined }[];
  mails: { from: string | undefined; to: string[]; raw: string }[];
}

/** smtp-server with implicit TLS (SMTPS) for HTTPS_HOST, accepting SMTP_USER with `password`;
 *  its certificate is the test PKI's (which the program trusts) unless `cert` is given. */
export async function smtpServer(password: string, { authMethods = ["PLAIN", "LOGIN"], cert }: { authMethods?: string[]; cert?: { certPem: string; keyPem: string } } = {}) {
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
      if (auth.username === SMTP_USER && auth.password === password) callback(null, { user: SMTP_USER });
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
export function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}
