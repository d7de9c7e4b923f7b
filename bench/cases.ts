// One bench measurement per process: `tsx bench/cases.ts` with BENCH_CASE (JSON) in the
// environment, one JSON line on stdout. bench/run.ts runs these in fresh processes taking
// turns, so no case warms (or slows) the JIT, the heap or the caches of another.
import { request as httpsRequest, Agent } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { chromium } from "playwright-core";
import { createNetwork, type Network } from "../ts-bindings/src/network.js";
import { WispDialer } from "../ts-bindings/src/dialer/wisp.js";
import { loadEpoxy, loadLibcurl } from "./peers.js";

export type Client = "node" | "ours" | "ours-wisp" | "libcurl" | "epoxy" | "chromium" | "chromium-shim";

export type Case =
  | { kind: "bulk"; client: Client; url: string; bytes: number }
  | { kind: "handshake"; client: "node" | "ours"; url: string; count: number }
  | { kind: "requests"; client: "node" | "ours"; url: string; count: number }
  | { kind: "idle"; client: "ours"; url: string; count: number };

export interface Env {
  caPem: string;
  wispUrl: string;
  pageUrl: string;
  chromiumArgs: string[];
  chromium: string;
}

export interface Result {
  /** bulk: MB/s (10^6 bytes); handshake: ms (median); requests: per second; idle: bytes per connection. */
  value: number;
  detail?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function drain(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  if ("getReader" in body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return n;
      n += value.byteLength;
    }
  }
  for await (const chunk of body) n += chunk.byteLength;
  return n;
}

function nodeGet(url: string, ca: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent }, (res) => {
      let n = 0;
      res.on("data", (c: Buffer) => (n += c.length));
      res.on("end", () => resolve(n));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function oursNetwork(env: Env, client: Client): Promise<Network> {
  return createNetwork({
    tls: { ca: env.caPem },
    tlsSessionCache: false,
    ...(client === "ours-wisp" ? { dialer: new WispDialer({ url: env.wispUrl }) } : {}),
  });
}

async function bulk(c: Extract<Case, { kind: "bulk" }>, env: Env): Promise<Result> {
  let t0 = 0;
  let n = 0;
  switch (c.client) {
    case "node": {
      t0 = performance.now();
      n = await nodeGet(c.url, env.caPem, false);
      break;
    }
    case "ours":
    case "ours-wisp": {
      const net = await oursNetwork(env, c.client);
      t0 = performance.now();
      const res = await net.fetch(c.url);
      n = await drain(res.body!);
      await net.close();
      break;
    }
    case "libcurl": {
      const libcurl = await loadLibcurl(env.wispUrl, env.caPem);
      t0 = performance.now();
      const res: Response = await libcurl.fetch(c.url);
      n = (await res.arrayBuffer()).byteLength;
      break;
    }
    case "epoxy": {
      const epoxy = await loadEpoxy(env.wispUrl, env.caPem);
      t0 = performance.now();
      const res: Response = await epoxy.fetch(c.url, {});
      n = (await res.arrayBuffer()).byteLength;
      break;
    }
    case "chromium":
    case "chromium-shim": {
      const browser = await chromium.launch({ executablePath: env.chromium, headless: true, args: env.chromiumArgs });
      try {
        const page = await browser.newPage();
        await page.goto(env.pageUrl);
        const r = await page.evaluate(
          ([fn, url, ca, wisp]) => (globalThis as unknown as Record<string, (u: string, ca: string, w: string) => Promise<{ bytes: number; ms: number }>>)[fn]!(url, ca, wisp),
          [c.client === "chromium" ? "benchNative" : "benchShim", c.url, env.caPem, env.wispUrl] as const,
        );
        if (r.bytes !== c.bytes) throw new Error(`${c.client}: ${r.bytes} bytes, expected ${c.bytes}`);
        return { value: c.bytes / 1e6 / (r.ms / 1000) };
      } finally {
        await browser.close();
      }
    }
  }
  const ms = performance.now() - t0;
  if (n !== c.bytes) throw new Error(`${c.client}: ${n} bytes, expected ${c.bytes}`);
  return { value: c.bytes / 1e6 / (ms / 1000) };
}

/** Full TLS 1.3 handshakes, one at a time: name resolution ("localhost" both ways), TCP
 *  connect and the handshake, no resumption. */
async function handshake(c: Extract<Case, { kind: "handshake" }>, env: Env): Promise<Result> {
  const { hostname, port } = new URL(c.url);
  const times: number[] = [];
  let detail = "";
  if (c.client === "node") {
    for (let i = 0; i < c.count; i++) {
      const t0 = performance.now();
      const s = tlsConnect({ host: hostname, servername: hostname, port: Number(port), ca: env.caPem });
      await new Promise<void>((resolve, reject) => {
        s.once("secureConnect", resolve);
        s.once("error", reject);
      });
      times.push(performance.now() - t0);
      detail = `${s.getProtocol()} ${s.getCipher().standardName}`;
      s.destroy();
    }
  } else {
    const net = await oursNetwork(env, "ours");
    for (let i = 0; i < c.count; i++) {
      const t0 = performance.now();
      const s = await net.connectTls({ host: hostname, port: Number(port) });
      const info = await s.opened;
      times.push(performance.now() - t0);
      detail = `${info.tls?.version} ${info.tls?.cipherSuite}`;
      s.destroy();
    }
    await net.close();
  }
  return { value: median(times.slice(2)), detail };
}

/** Small keep-alive GETs one after another on one connection: requests per second. */
async function requests(c: Extract<Case, { kind: "requests" }>, env: Env): Promise<Result> {
  const warm = 20;
  if (c.client === "node") {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < warm; i++) await nodeGet(c.url, env.caPem, agent);
    const t0 = performance.now();
    for (let i = 0; i < c.count; i++) await nodeGet(c.url, env.caPem, agent);
    const ms = performance.now() - t0;
    agent.destroy();
    return { value: c.count / (ms / 1000) };
  }
  const net = await oursNetwork(env, "ours");
  const get = async () => {
    const res = await net.fetch(c.url);
    await res.arrayBuffer();
  };
  for (let i = 0; i < warm; i++) await get();
  const t0 = performance.now();
  for (let i = 0; i < c.count; i++) await get();
  const ms = performance.now() - t0;
  await net.close();
  return { value: c.count / (ms / 1000) };
}

/** The device heap that `count` open, idle TLS connections hold, per connection. */
async function idle(c: Extract<Case, { kind: "idle" }>, env: Env): Promise<Result> {
  const { hostname, port } = new URL(c.url);
  const net = await oursNetwork(env, "ours");
  // One connection first, so the heap's one-time growth (config, tables) is not counted.
  const first = await net.connectTls({ host: hostname, port: Number(port) });
  await first.opened;
  const before = net.stats();
  const socks = [];
  for (let i = 0; i < c.count; i++) {
    const s = await net.connectTls({ host: hostname, port: Number(port) });
    await s.opened;
    socks.push(s);
  }
  const after = net.stats();
  for (const s of [first, ...socks]) s.destroy();
  await net.close();
  const device = (after.deviceHeap - before.deviceHeap) / c.count;
  const router = (after.routerHeap - before.routerHeap) / c.count;
  return { value: device, detail: `${(router / 1024).toFixed(1)} KiB per flow` };
}

async function main(): Promise<void> {
  const c = JSON.parse(process.env.BENCH_CASE!) as Case;
  const env = JSON.parse(process.env.BENCH_ENV!) as Env;
  const r =
    c.kind === "bulk" ? await bulk(c, env)
    : c.kind === "handshake" ? await handshake(c, env)
    : c.kind === "requests" ? await requests(c, env)
    : await idle(c, env);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

await main();
