// The lwip-shim CLI, run as a child process.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { RawWispClient } from "./helpers.js";
import { CloseReason, PacketType, StreamType, encodeConnect } from "../../ts-bindings/src/wisp/packet.js";

const cli = ["--import", "tsx", "bin/lwip-shim.ts"];

function run(args: string[]) {
  const child = spawn(process.execPath, [...cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

describe("lwip-shim CLI", () => {
  it("prints help", async () => {
    const { child, exited } = run(["--help"]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    expect(await exited).toBe(0);
    expect(out).toContain("--allow-loopback");
  });

  it("rejects a bad option with exit code 2", async () => {
    const { exited, stderr } = run(["--port", "nope"]);
    expect(await exited).toBe(2);
    expect(stderr()).toContain("not a port");
  });

  it("serves, logs JSON lines to stderr, refuses by default and shuts down on SIGTERM", async () => {
    const { child, exited, stderr } = run(["--port", "0", "--deny-port", "1-1023"]);
    const url = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout }).once("line", resolve);
    });
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/wisp\/$/);
    const client = await RawWispClient.connect(url);
    client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", 8080));
    expect(await client.next((p) => p.type === PacketType.CLOSE)).toMatchObject({ reason: CloseReason.BLOCKED });
    child.kill("SIGTERM");
    expect((await client.closed).code).toBe(1001);
    expect(await exited).toBe(0);
    const lines = stderr().trim().split("\n").map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(["listening", "stream_refused", "signal", "closed"]));
  });
});
