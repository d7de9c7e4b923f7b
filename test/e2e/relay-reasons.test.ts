// The relay's reasons reach the user: through the Wisp dialer and our shim, each way a
// connect can fail gives its own code, with the Wisp CLOSE reason as nativeCode, in
// fetch, connectTls, the C client and the lwip-https CLI (curl's exit code for it).
// Before, the device only saw a RST and every cause became ERR_CONNECTION_REFUSED.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCClient } from "../../ts-bindings/src/apps/https-client.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import type { Shim } from "../../ts-bindings/src/shim/server.js";
import { CloseReason } from "../../ts-bindings/src/wisp/packet.js";
import {
  closedPort, failureOf, isolatedNetworkCommand, openShim, runCli, silentListener, strictShim, type RelayFailure,
} from "../helpers/relay-causes.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let open: Shim;
let strict: Shim;
let viaOpen: Network;
let viaStrict: Network;
let refusedPort: number;
let silent: { port: number; close(): void };

beforeAll(async () => {
  [open, strict, refusedPort, silent] = await Promise.all([openShim(1000), strictShim(), closedPort(), silentListener()]);
  [viaOpen, viaStrict] = await Promise.all([
    createNetwork({ dialer: new WispDialer({ url: open.url }) }),
    createNetwork({ dialer: new WispDialer({ url: strict.url }) }),
  ]);
});

afterAll(async () => {
  await Promise.all([viaOpen?.close(), viaStrict?.close()]);
  await Promise.all([open?.close(), strict?.close()]);
  silent?.close();
});

interface Cause {
  name: string;
  url: () => string;
  relay: () => { net: Network; shim: Shim };
  code: string;
  reason: number;
  exit: number;
}

const causes: Cause[] = [
  { name: "an unknown host", url: () => "https://nothing.invalid/", relay: () => ({ net: viaOpen, shim: open }), code: "ERR_DNS_NOT_FOUND", reason: CloseReason.NAME_NOT_RESOLVED, exit: 6 },
  { name: "a destination the relay blocks", url: () => `https://127.0.0.1:${refusedPort}/`, relay: () => ({ net: viaStrict, shim: strict }), code: "ERR_BLOCKED_BY_RELAY", reason: CloseReason.BLOCKED, exit: 7 },
  { name: "a refused port", url: () => `https://127.0.0.1:${refusedPort}/`, relay: () => ({ net: viaOpen, shim: open }), code: "ERR_CONNECTION_REFUSED", reason: CloseReason.REFUSED, exit: 7 },
  { name: "a connect timeout", url: () => `https://127.0.0.1:${silent.port}/`, relay: () => ({ net: viaOpen, shim: open }), code: "ERR_TIMEOUT_CONNECT", reason: CloseReason.CONNECT_TIMEOUT, exit: 28 },
];

describe.each(causes)("$name", (c) => {
  const expected = () => expect.objectContaining({ code: c.code, nativeCode: c.reason });

  it("net.fetch rejects with its own code and the Wisp reason", async () => {
    const failure = await c.relay().net.fetch(c.url()).then(() => "resolved", failureOf);
    expect(failure).toEqual(expected());
  });

  it("connectTls rejects the same way", async () => {
    const u = new URL(c.url());
    const failure = await c.relay().net.connectTls({ host: u.hostname, port: Number(u.port || 443) }).then(() => "resolved", failureOf);
    expect(failure).toEqual(expected());
  });

  it("the C client (runCClient) rejects the same way", async () => {
    const failure = await runCClient(c.relay().net, c.url()).then(() => "resolved", failureOf);
    expect(failure).toEqual(expected());
  });

  it("lwip-https --wisp prints the code and exits with curl's number for it", async () => {
    const r = await runCli(["--wisp", c.relay().shim.url, c.url()], ROOT);
    expect(r.err).toMatch(new RegExp(`^lwip-https: ${c.code}: `, "m"));
    expect(r.code).toBe(c.exit);
  });
});

it("lwip-https --wisp refuses a URL that is not a Wisp endpoint (usage, exit 2)", async () => {
  const { main } = await import("../../ts-bindings/src/cli/https.js");
  const { PassThrough } = await import("node:stream");
  let err = "";
  const stderr = new PassThrough().on("data", (d: Buffer) => (err += d.toString()));
  const code = await main(["--wisp", "http://127.0.0.1:1/wisp", "https://example.com/"], { stdout: new PassThrough(), stderr });
  expect(code).toBe(2);
  expect(err).toMatch(/--wisp wants a ws:\/\/ or wss:\/\/ URL ending in "\/"/);
});

it("plain HTTP: the reason arrives on the open connection and is still precise", async () => {
  // The device's TCP is up before the relay reports (Wisp has no connect acknowledgement),
  // so the failure ends the request, not the connect.
  const failure = await viaOpen.fetch(`http://127.0.0.1:${refusedPort}/`).then(() => "resolved", failureOf);
  expect(failure).toEqual(expect.objectContaining({ code: "ERR_CONNECTION_REFUSED", nativeCode: CloseReason.REFUSED }));
});

it("a working destination is unaffected, and no reason is left over for it", async () => {
  const { createServer } = await import("node:http");
  const server = createServer((_req, res) => res.end("fine"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as import("node:net").AddressInfo).port;
    expect(await (await viaOpen.fetch(`http://127.0.0.1:${port}/`)).text()).toBe("fine");
    expect(viaOpen.router.lastFailure(`10.0.2.2:${port}`)).toBeUndefined();
  } finally {
    server.close();
  }
});

// No route anywhere: only a network namespace with nothing but loopback gives a real
// ENETUNREACH without sending a packet off the machine. Where namespaces are not
// available (no unshare, no user namespaces) the cause cannot be produced honestly.
const isolated = isolatedNetworkCommand();
describe.skipIf(!isolated)("an unreachable network (in a namespace with no routes)", () => {
  it("fetch, the C client and lwip-https each report ERR_HOST_UNREACHABLE (0x42); a real resolver failure is ERR_DNS_NOT_FOUND", async () => {
    const script = fileURLToPath(new URL("./relay-unreachable.child.ts", import.meta.url));
    const [cmd, ...args] = isolated!;
    const child = spawn(cmd!, [...args, process.execPath, "--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("close", r));
    expect(code).toBe(0);
    const results = JSON.parse(out) as Record<string, RelayFailure | { code: number | null; err: string }>;
    const unreachable = expect.objectContaining({ code: "ERR_HOST_UNREACHABLE", nativeCode: CloseReason.UNREACHABLE });
    expect(results.fetch).toEqual(unreachable);
    expect(results.cClient).toEqual(unreachable);
    expect(results.cli).toEqual({ code: 7, err: expect.stringMatching(/^lwip-https: ERR_HOST_UNREACHABLE: /m) });
    expect(results.realDns).toEqual(expect.objectContaining({ code: "ERR_DNS_NOT_FOUND", nativeCode: CloseReason.NAME_NOT_RESOLVED }));
  });
});
