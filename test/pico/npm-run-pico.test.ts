// `npm run pico -- <name>` (scripts/pico.ts) as the README shows it for the programs of the
// book's later chapters: the script builds the program (the same cached build as the other
// tests') and runs it with `lwip-pico run`, its -D options going to the build and the rest
// (--connect-to, --resolve, --deterministic) to the run.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";

import { ntpResponder } from "../helpers/ntp.js";
import { HTTPS_HOST, testPki } from "../helpers/pico.js";
import { smtpServer, SMTP_PASSWORD } from "../helpers/smtp.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

const ROOT = resolve(import.meta.dirname, "../..");

/** Runs `tsx scripts/pico.ts ...args` to its end. */
async function npmRunPico(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(resolve(ROOT, "node_modules/.bin/tsx"), ["scripts/pico.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const [code] = (await once(child, "close")) as [number];
  return { code, stdout, stderr };
}

describe("npm run pico, the README's commands", () => {
  it("sntp_client, pointed at a local NTP server with --connect-to and --resolve", async () => {
    await using ntp = await ntpResponder(Date.UTC(2029, 1, 3, 4, 5, 6) / 1000);
    const r = await npmRunPico("sntp_client", "--connect-to", `pool.ntp.org:123::${ntp.port}`, "--resolve", `pool.ntp.org:${ntp.port}:127.0.0.1`);
    expect(r.stdout, r.stderr).toContain("time set: 2029-02-03 04:05:06 UTC");
    expect(r.code).toBe(0);
  });

  it("smtp_client, with its CA as a -D option and a local SMTPS server reached with --connect-to", async () => {
    await using smtp = await smtpServer(SMTP_PASSWORD);
    const r = await npmRunPico("smtp_client", "-D", `SMTP_CA_FILE=${testPki().ca}`, "--connect-to", `${HTTPS_HOST}:465:127.0.0.1:${smtp.port}`);
    expect(r.stdout, r.stderr).toContain("mail sent to inbox@pico.test");
    expect(r.code).toBe(0);
    expect(smtp.got.mails).toHaveLength(1);
  });

  it("random, natively, twice with one seed: the same output", async () => {
    const a = await npmRunPico("random", "--native", "--deterministic", "--seed", "7");
    const b = await npmRunPico("random", "--native", "--deterministic", "--seed", "7");
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("<- xorshift64* seeded with 7");
    expect(b.stdout).toBe(a.stdout);
  });
});
