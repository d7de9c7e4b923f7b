// The ways a relay can fail to connect, each made real on loopback: a name that does not
// resolve, a destination its policy blocks, a closed port, a target that never answers
// the SYN, and (run in a network namespace with no routes, see relay-unreachable.child.ts)
// an unreachable network. Shared by the in-process tests and the namespaced child.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { lookup as dnsLookup } from "node:dns/promises";
import net, { type AddressInfo } from "node:net";
import type { LmwError } from "../../ts-bindings/src/errors.js";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";

export interface RelayFailure {
  code: string;
  nativeCode: number | undefined;
  message: string;
}

export function failureOf(e: unknown): RelayFailure {
  const err = e as LmwError;
  return { code: String(err?.code), nativeCode: err?.nativeCode, message: String(err?.message) };
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A listener whose accept queue is full, so the kernel drops every further SYN and a
 *  connect to it times out. Its owner is a child process blocked in Atomics.wait, which
 *  never accepts. Backlog 1 (Node turns 0 into 511): Linux queues two connections, and
 *  two of ours fill the queue. */
export async function silentListener(): Promise<{ port: number; close(): void }> {
  const child: ChildProcess = spawn(process.execPath, ["-e", `
    const s = require("node:net").createServer().listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      process.stdout.write(s.address().port + "\\n", () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
    });`], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("exit", (code) => reject(new Error(`listener child exited (${code})`)));
  });
  const fillers = [net.connect(port, "127.0.0.1"), net.connect(port, "127.0.0.1")];
  await Promise.all(fillers.map((f) => new Promise<void>((resolve, reject) => f.once("connect", resolve).once("error", reject))));
  return {
    port,
    close() {
      for (const f of fillers) f.destroy();
      child.kill("SIGKILL");
    },
  };
}

/** Names ending in .invalid (RFC 6761) do not resolve; others go to the system resolver.
 *  Injected so the test does not depend on the machine's DNS server answering. */
export async function lookupWithInvalid(name: string): Promise<Array<{ address: string; family: number }>> {
  if (name.toLowerCase().endsWith(".invalid")) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
  return dnsLookup(name, { all: true, verbatim: true });
}

/** A relay that may reach loopback (the targets live there), with a short connect limit. */
export function openShim(connectTimeoutMs = 1000): Promise<Shim> {
  return createShim({ port: 0, allowLoopback: true, connectTimeoutMs, lookup: lookupWithInvalid, logger: () => {} });
}

/** A relay with the default policy: loopback destinations are blocked. */
export function strictShim(): Promise<Shim> {
  return createShim({ port: 0, logger: () => {} });
}

/** The command that runs a program in a new network namespace holding only a loopback
 *  interface (no route anywhere else), or undefined where that is not possible. */
export function isolatedNetworkCommand(): string[] | undefined {
  const probe = spawnSync("unshare", ["-rn", "sh", "-c", "ip link set lo up"], { stdio: "ignore" });
  return probe.status === 0 ? ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"'] : undefined;
}

/** Runs lwip-https as a child process; resolves with its exit code and output. */
export function runCli(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/lwip-https.ts", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, out, err })));
}
