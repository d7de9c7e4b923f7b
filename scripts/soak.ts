// The shim under a mixed, hostile load for N minutes (issue #10): `npm run soak -- --minutes N`.
//
// The shim runs as its own process (the lwip-shim CLI), so its RSS is its own. This
// process drives, over loopback, 200 concurrent WebSockets:
//   - 110 echo workers: streams open, carry seeded bytes (respecting Wisp credit), close;
//     every byte that comes back is checked (SHA-256) against what was sent;
//   - 30 slow readers: a source sends a known stream; the client reads in bursts with
//     pauses; every byte is checked;
//   - 20 against targets that accept and never read, ignoring credit;
//   - 20 sending malformed and random packets;
//   - 20 ping floods from peers that do not read.
// Hostile workers reconnect when the shim drops them. Meanwhile one well-behaved client
// measures its echo round trip; it is measured first with no load, for comparison. The
// shim's RSS is sampled every 5 s. (The probe runs in its own process with its own echo
// server, so the load generator's busy event loop does not count in its round trips.) Exit code 1 if any stream's bytes were wrong or lost,
// or if RSS passed its bound: the RSS at start + the shim's --total-buffer-bytes +
// RSS_OVERHEAD_MIB.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { PacketType, StreamType, decodePacket, encodeClose, encodeConnect, encodeData } from "../ts-bindings/src/wisp/packet.js";
import { prng, randomBytes } from "../test/shim/helpers.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    // Internal: the probe runs in its own process, so that the load generator's busy
    // event loop does not count in its round trips.
    "probe-url": { type: "string" },
    "probe-ms": { type: "string" },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error("--minutes must be a positive number");
const endAt = Date.now() + minutes * 60_000;
const running = () => Date.now() < endAt;

// ------------------------------------------------------------------ bytes

const seeded = (n: number, seed: number) => randomBytes(n, seed);
const sha = (chunks: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  return h.digest("hex");
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ targets
const probeMode = values["probe-url"] !== undefined;

function listen(onConn: (s: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((s) => {
    s.on("error", () => {});
    onConn(s);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ port: (server.address() as net.AddressInfo).port, server })));
}
const SOURCE_BYTES = 512 * 1024;
// The shim's byte limits for the run (smaller than the defaults, so that the bound the
// RSS is checked against is tight): what all connections together may hold.
const CONNECTION_BUFFER = 2 << 20;
const TOTAL_BUFFER = 64 << 20;
/** What the shim's process may take beyond its buffers: V8, ws and 200 connections' state. */
const RSS_OVERHEAD_MIB = 160;
// The probe has its own echo server, in its own process: its round trip measures the shim.
const echo = await listen((s) => s.pipe(s));
const sink = await listen((s) => s.pause()); // accepts, never reads
// Sends SOURCE_BYTES seeded by the first 4 bytes it receives, then closes.
const source = await listen((s) => {
  s.once("data", (d: Buffer) => s.end(seeded(SOURCE_BYTES, d.readUInt32LE(0))));
});

// ------------------------------------------------------------------ the shim

const shimProc = probeMode
  ? undefined
  : spawn(
      process.execPath,
      ["--import", "tsx", "bin/lwip-shim.ts", "--port", "0", "--allow-loopback", "--log-level", "error",
        "--max-connections", "1000", "--max-connections-per-ip", "1000",
        "--connection-buffer-bytes", String(CONNECTION_BUFFER), "--total-buffer-bytes", String(TOTAL_BUFFER)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
const url = shimProc ? await new Promise<string>((r) => createInterface({ input: shimProc.stdout! }).once("line", r)) : values["probe-url"]!;
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${shimProc!.pid}/status`, "utf8"))![1]) / 1024;

// ------------------------------------------------------------------ a lean Wisp client

interface Stream {
  credit: number;
  waiters: Array<() => void>;
  onData(d: Uint8Array): void;
  onClose(reason: number): void;
}
class Client {
  readonly streams = new Map<number, Stream>();
  private nextId = 1;
  initialCredit = 0;
  readonly closed: Promise<void>;
  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => ws.once("close", () => r()));
    ws.on("error", () => {});
    ws.on("message", (data: Buffer) => {
      let p;
      try {
        p = decodePacket(new Uint8Array(data));
      } catch {
        return;
      }
      if (p.streamId === 0) {
        if (p.type === PacketType.CONTINUE) this.initialCredit = p.bufferRemaining;
        return;
      }
      const s = this.streams.get(p.streamId);
      if (!s) return;
      if (p.type === PacketType.DATA) s.onData(p.data);
      else if (p.type === PacketType.CONTINUE) {
        s.credit = p.bufferRemaining;
        for (const w of s.waiters.splice(0)) w();
      } else if (p.type === PacketType.CLOSE) {
        this.streams.delete(p.streamId);
        s.onClose(p.reason);
        for (const w of s.waiters.splice(0)) w();
      }
    });
    ws.once("close", () => {
      for (const s of this.streams.values()) {
        s.onClose(-1);
        for (const w of s.waiters.splice(0)) w();
      }
      this.streams.clear();
    });
  }
  static async open(options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<Client> {
    const c = new Client(new WebSocket(url, options));
    await new Promise<void>((resolve, reject) => {
      c.ws.once("message", () => resolve());
      c.ws.once("close", () => reject(new Error("closed before CONTINUE")));
      c.ws.once("error", reject);
    });
    return c;
  }
  connect(port: number, onData: (d: Uint8Array) => void, onClose: (r: number) => void): number {
    const id = this.nextId++;
    this.streams.set(id, { credit: this.initialCredit, waiters: [], onData, onClose });
    this.ws.send(encodeConnect(id, StreamType.TCP, "127.0.0.1", port));
    return id;
  }
  /** Sends one DATA, waiting for credit first. False if the stream is gone. */
  async send(id: number, data: Uint8Array): Promise<boolean> {
    for (;;) {
      const s = this.streams.get(id);
      if (!s || this.ws.readyState !== WebSocket.OPEN) return false;
      if (s.credit > 0) {
        s.credit--;
        this.ws.send(encodeData(id, data));
        return true;
      }
      await new Promise<void>((r) => s.waiters.push(r));
    }
  }
  close(id: number): void {
    this.streams.delete(id);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeClose(id, 0x02));
  }
}

// ------------------------------------------------------------------ the workers

const counts = { echoStreams: 0, sourceStreams: 0, bytesChecked: 0, mismatched: 0, lost: 0, hostileReconnects: 0 };

/** One stream: sends `payload` in chunks, checks the echo. */
async function echoStream(c: Client, payload: Uint8Array, chunk: number): Promise<void> {
  const got: Uint8Array[] = [];
  let total = 0;
  let closedBy = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const id = c.connect(
    echo.port,
    (d) => {
      got.push(d.slice());
      total += d.length;
      if (total >= payload.length) done();
    },
    (reason) => {
      closedBy = reason;
      done();
    },
  );
  for (let off = 0; off < payload.length; off += chunk) if (!(await c.send(id, payload.subarray(off, off + chunk)))) break;
  await finished;
  c.close(id);
  if (total < payload.length) {
    counts.lost++;
    if (closedBy !== -1) console.error(`echo stream lost bytes (close reason ${closedBy})`);
    return;
  }
  if (sha(got) !== sha([payload])) counts.mismatched++;
  counts.echoStreams++;
  counts.bytesChecked += payload.length;
}

async function echoWorker(seed: number): Promise<void> {
  const r = prng(seed);
  while (running()) {
    const c = await Client.open();
    for (let i = 0; i < 20 && running(); i++) {
      const size = 1024 + (r() % (128 * 1024));
      await Promise.all([echoStream(c, seeded(size, r()), 1024 + (r() % 32768)), echoStream(c, seeded(size >> 1, r()), 16384)]);
    }
    c.ws.close();
    await c.closed;
  }
}

async function slowReader(seed: number): Promise<void> {
  const r = prng(seed);
  while (running()) {
    const c = await Client.open();
    const streamSeed = r();
    const got: Uint8Array[] = [];
    let total = 0;
    const ended = new Promise<void>((resolve) => {
      const id = c.connect(source.port, (d) => {
        got.push(d.slice());
        total += d.length;
      }, () => resolve());
      const start = new Uint8Array(4);
      new DataView(start.buffer).setUint32(0, streamSeed, true);
      void c.send(id, start);
    });
    // Read in bursts: 50 ms on, 150 ms off.
    const reader = (async () => {
      while (c.streams.size > 0) {
        c.ws.pause();
        await sleep(150);
        c.ws.resume();
        await sleep(50);
      }
    })();
    await ended;
    await reader;
    if (total !== SOURCE_BYTES) counts.lost++;
    else if (sha(got) !== sha([seeded(SOURCE_BYTES, streamSeed)])) counts.mismatched++;
    else {
      counts.sourceStreams++;
      counts.bytesChecked += total;
    }
    c.ws.close();
    await c.closed;
  }
}

async function hostile(kind: "sink" | "random" | "ping", seed: number): Promise<void> {
  const r = prng(seed);
  while (running()) {
    let c: Client;
    try {
      c = await Client.open({ autoPong: kind !== "ping" });
    } catch {
      await sleep(100);
      continue;
    }
    if (kind === "ping") c.ws.pause();
    const block = new Uint8Array(32 * 1024);
    const pingData = Buffer.alloc(125);
    for (let i = 0; running() && c.ws.readyState === WebSocket.OPEN && i < 2000; i++) {
      if (kind === "sink") {
        const id = c.connect(sink.port, () => {}, () => {});
        for (let k = 0; k < 40; k++) c.ws.send(encodeData(id, block)); // ignores credit
        if (r() % 2 === 0) c.close(id);
        await sleep(480);
      } else if (kind === "random") {
        const n = r() % 64;
        c.ws.send(Uint8Array.from({ length: n }, () => r() & 0xff));
      } else {
        for (let k = 0; k < 50; k++) c.ws.ping(pingData);
        await sleep(80);
      }
      await sleep(20);
    }
    c.ws.terminate();
    counts.hostileReconnects++;
  }
}

// ------------------------------------------------------------------ the probe

async function probe(untilMs: number): Promise<number[]> {
  const c = await Client.open();
  const rtts: number[] = [];
  const msg = seeded(64, 7);
  while (Date.now() < untilMs) {
    let got!: () => void;
    const back = new Promise<void>((r) => (got = r));
    let n = 0;
    const t0 = performance.now();
    const id = c.connect(echo.port, (d) => {
      n += d.length;
      if (n >= msg.length) got();
    }, () => got());
    await c.send(id, msg);
    await back;
    rtts.push(performance.now() - t0);
    c.close(id);
    await sleep(100);
  }
  c.ws.close();
  return rtts;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** The probe in its own process; resolves with its round trips. */
function probeProcess(ms: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/soak.ts", "--probe-url", url, "--probe-ms", String(ms)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("exit", () => resolve(JSON.parse(out) as number[])));
}

if (probeMode) {
  process.stdout.write(JSON.stringify(await probe(Date.now() + Number(values["probe-ms"]))));
  for (const t of [echo, sink, source]) t.server.close();
  process.exit(0);
}

console.log(`soak: ${minutes} min against ${url} (shim pid ${shimProc!.pid})`);
const rssStart = rssMiB();
const unloaded = await probeProcess(5_000);
const rss: Array<{ t: number; mib: number }> = [];
const t0 = Date.now();
const sampler = setInterval(() => rss.push({ t: (Date.now() - t0) / 1000, mib: rssMiB() }), 5_000);
const workers: Array<Promise<void>> = [];
for (let i = 0; i < 110; i++) workers.push(echoWorker(1000 + i));
for (let i = 0; i < 30; i++) workers.push(slowReader(2000 + i));
for (let i = 0; i < 20; i++) workers.push(hostile("sink", 3000 + i));
for (let i = 0; i < 20; i++) workers.push(hostile("random", 4000 + i));
for (let i = 0; i < 20; i++) workers.push(hostile("ping", 5000 + i));
const loaded = await probeProcess(endAt - Date.now());
await Promise.all(workers);
clearInterval(sampler);
const rssEnd = rssMiB();
shimProc!.kill("SIGTERM");
await new Promise((r) => shimProc!.once("exit", r));
for (const t of [echo, sink, source]) t.server.close();

const f = (x: number) => x.toFixed(0);
const peak = Math.max(...rss.map((s) => s.mib));
const bound = rssStart + TOTAL_BUFFER / 2 ** 20 + RSS_OVERHEAD_MIB;
const bounded = peak <= bound;
const perMinute: string[] = [];
for (let m = 0; m * 60 < (rss.at(-1)?.t ?? 0); m++) {
  const inMinute = rss.filter((s) => s.t > m * 60 && s.t <= (m + 1) * 60).map((s) => s.mib);
  if (inMinute.length) perMinute.push(`${f(Math.min(...inMinute))}-${f(Math.max(...inMinute))}`);
}
console.log(`shim RSS MiB: start ${f(rssStart)}; per minute (min-max) ${perMinute.join(", ")}; end ${f(rssEnd)}`);
console.log(`shim RSS peak ${f(peak)} MiB, bound ${f(bound)} (start + ${TOTAL_BUFFER / 2 ** 20} MiB buffers + ${RSS_OVERHEAD_MIB}) -> ${bounded ? "bounded" : "OVER"}`);
const g = (x: number) => x.toFixed(1);
console.log(`probe echo RTT ms, unloaded: median ${g(pct(unloaded, 50))}, p95 ${g(pct(unloaded, 95))} (${unloaded.length} samples)`);
console.log(`probe echo RTT ms, loaded:   median ${g(pct(loaded, 50))}, p95 ${g(pct(loaded, 95))}, max ${g(Math.max(...loaded))} (${loaded.length} samples)`);
console.log(
  `streams checked: ${counts.echoStreams} echo + ${counts.sourceStreams} slow-reader, ${(counts.bytesChecked / 2 ** 20).toFixed(0)} MiB; ` +
    `mismatched ${counts.mismatched}, lost ${counts.lost}; hostile reconnects ${counts.hostileReconnects}`,
);
process.exitCode = counts.mismatched === 0 && counts.lost === 0 && bounded ? 0 : 1;
