// examples/main.ts (npm start) as a child process: both clients against its own origin.
import { spawn } from "node:child_process";
import { expect, it } from "vitest";

it("npm start's main job runs the C client and fetch over TLS 1.3 and exits 0", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/main.ts"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  expect(err).toBe("");
  expect(code).toBe(0);
  expect(out).toContain("TLSv1.3");
  expect(out).toContain("1. The book's C client");
  expect(out).toContain("2. fetch()");
  // The greeting, once from each client.
  expect(out.split("Hello from the embedded origin, served over TLS 1.3 to lwIP + Mbed TLS").length - 1).toBe(2);
});
