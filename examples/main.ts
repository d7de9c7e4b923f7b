// npm start: the embedded HTTPS client, end to end, twice over.
//
//   tsx examples/main.ts          an HTTPS origin started here (node:https on 127.0.0.1,
//                                 with a test CA made in process), fetched by the book's
//                                 C client and by fetch()
//   tsx examples/main.ts <url>    the same two clients against <url>, verified with the
//                                 bundled CA set
//
// Exits 0, or with lwip-https's exit code for the error (6 DNS, 7 connect, 60 certificate...).
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { runCClient } from "../ts-bindings/src/apps/https-client.js";
import { connectionLines, timingLines } from "../ts-bindings/src/cli/describe.js";
import { exitCodeFor } from "../ts-bindings/src/cli/exit-codes.js";
import { createTestCa } from "../ts-bindings/src/node/testca.js";
import { createNetwork, LmwError, responseTimeline, socketInfoOf, type FetchTiming } from "../ts-bindings/src/index.js";

const GREETING = "Hello from the embedded origin, served over TLS 1.3 to lwIP + Mbed TLS";
const BODY_SHOWN = 600;
const out = (line = "") => process.stdout.write(`${line}\n`);

function row(label: string, value: string): void {
  out(`  ${label.padEnd(8)} ${value}`);
}

function showHeaders(headers: Array<[string, string]>): void {
  headers.forEach(([n, v], i) => row(i === 0 ? "headers" : "", `${n}: ${v}`));
}

function showBody(body: Uint8Array): void {
  const text = new TextDecoder().decode(body.subarray(0, BODY_SHOWN)).trimEnd();
  const lines = text.split("\n");
  lines.forEach((l, i) => row(i === 0 ? "body" : "", l));
  if (body.length > BODY_SHOWN) row("", `... (${body.length} bytes in all)`);
}

async function startOrigin(): Promise<{ server: Server; url: string; ca: string }> {
  const { ca, leaf } = createTestCa({ dnsNames: ["localhost"], ips: ["127.0.0.1"] });
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem, minVersion: "TLSv1.3" }, (req, res) => {
    const page = `${GREETING}\n(you asked for ${req.method} ${req.url})\n`;
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(page) });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}/`, ca: ca.certPem };
}

async function demo(url: string, ca: string | undefined): Promise<void> {
  const net = await createNetwork({ tls: ca ? { ca } : {} });
  try {
    out(`The device stack (lwIP TCP/IP + altcp_tls + Mbed TLS, one WebAssembly instance,`);
    out(`10.0.2.15) sends Ethernet frames to the router (a second lwIP instance: NAT, DNS),`);
    out(`whose dialer opens the real socket with node:net. TLS runs end to end in the device;`);
    out(`the router and the dialer only carry ciphertext. ${net.device.version()}.`);
    out();

    if (new URL(url).protocol === "https:") {
      out("1. The book's C client (native/apps/https_client.c: altcp_tls_new, altcp_connect, GET)");
      const c = await runCClient(net, url, { ca });
      row("status", String(c.status));
      showHeaders(c.headers);
      row("time", `${c.ms.toFixed(1)} ms`);
      showBody(c.body);
      out();
    }

    out("2. fetch() through the same device stack");
    const start = performance.now();
    let timing: FetchTiming | undefined;
    const res = await net.fetch(url, { onTiming: (t) => (timing = t) });
    const body = new Uint8Array(await res.arrayBuffer());
    row("status", `${res.status} ${res.statusText}`);
    showHeaders([...res.headers]);
    const info = socketInfoOf(res);
    if (info) connectionLines(new URL(res.url).hostname, info).forEach((l, i) => row(i === 0 ? "conn" : "", l));
    if (timing) timingLines(responseTimeline(timing, info, start)).forEach((l, i) => row(i === 0 ? "timing" : "", l));
    showBody(body);
  } finally {
    await net.close();
  }
}

async function main(): Promise<number> {
  const target = process.argv[2];
  let origin: Awaited<ReturnType<typeof startOrigin>> | undefined;
  try {
    if (target === undefined) {
      origin = await startOrigin();
      out(`lwip-mbedtls-wasm demo: an HTTPS origin on ${origin.url} (node:https, TLS 1.3 only,`);
      out("certificate from a test CA generated at start-up), fetched through the embedded stack.");
    } else {
      out(`lwip-mbedtls-wasm demo: ${target}, verified against the bundled CA set.`);
    }
    out();
    await demo(target ?? origin!.url, origin?.ca);
    return 0;
  } catch (e) {
    const code = e instanceof LmwError ? e.code : "ERR_INTERNAL";
    process.stderr.write(`error: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    return exitCodeFor(code);
  } finally {
    origin?.server.closeAllConnections();
    origin?.server.close();
  }
}

process.exit(await main());
