// Run by relay-reasons.test.ts inside a network namespace that has only loopback: the
// shim's connect to a public address fails at once with ENETUNREACH (nothing leaves the
// machine), and its resolver cannot reach any DNS server. Prints what each surface
// reported, as JSON, for the test to check.
import { runCClient } from "../../ts-bindings/src/apps/https-client.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { createShim } from "../../ts-bindings/src/shim/server.js";
import { failureOf, runCli } from "../helpers/relay-causes.js";

const target = "https://93.184.216.34/"; // public, so the relay's policy lets it through
const shim = await createShim({ port: 0, logger: () => {} });
const net = await createNetwork({ dialer: new WispDialer({ url: shim.url }) });
const results: Record<string, unknown> = {};
try {
  results.fetch = await net.fetch(target).then(() => "resolved", failureOf);
  results.cClient = await runCClient(net, target).then(() => "resolved", failureOf);
  const cli = await runCli(["--wisp", shim.url, target], process.cwd());
  results.cli = { code: cli.code, err: cli.err };
  results.realDns = await net.fetch("https://nothing.invalid/").then(() => "resolved", failureOf);
} finally {
  await net.close();
  await shim.close();
}
process.stdout.write(JSON.stringify(results));
