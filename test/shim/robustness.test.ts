// Hostile and careless clients: malformed packets, oversize frames, limits, shutdown.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import {
  CloseReason,
  PacketType,
  StreamType,
  encodeClose,
  encodeConnect,
  encodeContinue,
  encodeData,
} from "../../ts-bindings/src/wisp/packet.js";
import { RawWispClient, echoWorks, prng, startEcho, type EchoServer } from "./helpers.js";

describe("malformed input", () => {
  let echo: EchoServer;
  let shim: Shim;
  beforeAll(async () => {
    echo = await startEcho();
    shim = await createShim({ allowLoopback: true, denyPorts: [1] });
  });
  afterAll(async () => {
    await shim.close();
    await echo.close();
  });

  it("answers protocol misuse with CLOSE, without dropping the connection", async () => {
    const client = await RawWispClient.connect(shim.url);
    try {
      client.send(encodeConnect(0, StreamType.TCP, "127.0.0.1", echo.port)); // stream 0
      expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 0)).toMatchObject({ reason: CloseReason.INVALID_INFO });
      client.send(encodeData(77, new Uint8Array([1]))); // unknown stream
      expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 77)).toMatchObject({ reason: CloseReason.INVALID_INFO });
      client.send(encodeContinue(5, 10)); // clients never send CONTINUE: ignored
      client.send(encodeClose(99, 2)); // CLOSE for an unknown stream: ignored
      client.send(encodeConnect(3, StreamType.TCP, "127.0.0.1", echo.port));
      client.send(encodeConnect(3, StreamType.TCP, "127.0.0.1", echo.port)); // reused id
      expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 3)).toMatchObject({ reason: CloseReason.INVALID_INFO });
      // Still serving this connection.
      client.send(encodeConnect(4, StreamType.TCP, "127.0.0.1", echo.port));
      client.send(encodeData(4, new Uint8Array([9])));
      expect(await client.next((p) => p.type === PacketType.DATA && p.streamId === 4)).toBeTruthy();
    } finally {
      await client.close();
    }
  });

  it("closes the WebSocket (1002) on an undecodable packet or a text frame", async () => {
    for (const bad of [new Uint8Array([0xff, 1, 0, 0, 0]), new Uint8Array([2, 1]), "text"]) {
      const client = await RawWispClient.connect(shim.url);
      client.ws.send(bad);
      const { code } = await client.closed;
      expect(code).toBe(1002);
    }
  });

  it("a message over twice maxPacketBytes closes that WebSocket (1009); the shim lives on", async () => {
    const small = await createShim({ allowLoopback: true, maxPacketBytes: 32 * 1024 });
    try {
      const client = await RawWispClient.connect(small.url);
      client.send(encodeData(1, new Uint8Array(70 * 1024)));
      const { code } = await client.closed;
      expect(code).toBe(1009);
      expect(await echoWorks(small, echo.port)).toBe(true);
    } finally {
      await small.close();
    }
  });

  it("survives 10,000 malformed or random frames (seeded), then serves a new connection", async () => {
    const rand = prng(0xc0ffee);
    const hosts = ["127.0.0.1", "0x7f.1", "[::1]", "bad host", "", "10.1.2.3", "::ffff:127.0.0.1"];
    const frame = (): Uint8Array | string => {
      const kind = rand() % 10;
      const id = rand() % 4 === 0 ? 0 : rand() % 64;
      switch (kind) {
        case 0: {
          const n = rand() % 40;
          return Uint8Array.from({ length: n }, () => rand() & 0xff); // pure noise
        }
        case 1:
          return new Uint8Array([1 + (rand() % 4), rand() & 0xff]); // short
        case 2: {
          const host = hosts[rand() % hosts.length]!;
          const b = new TextEncoder().encode(host);
          const p = new Uint8Array(8 + b.length);
          p[0] = 1;
          new DataView(p.buffer).setUint32(1, id, true);
          p[5] = rand() % 4; // stream type 0..3
          new DataView(p.buffer).setUint16(6, rand() % 2 ? 1 : echo.port, true);
          p.set(b, 8);
          return p;
        }
        case 3:
          return encodeData(id, Uint8Array.from({ length: rand() % 64 }, () => rand() & 0xff));
        case 4:
          return encodeClose(id, rand() & 0xff);
        case 5:
          return encodeContinue(id, rand());
        case 6: {
          const p = encodeClose(id, 2);
          return Uint8Array.from([...p, rand() & 0xff]); // CLOSE with trailing byte
        }
        case 7:
          return String.fromCharCode(rand() % 128);
        default:
          return encodeData(id, new Uint8Array(rand() % 16));
      }
    };
    let sent = 0;
    let connections = 0;
    while (sent < 10_000) {
      const client = await RawWispClient.connect(shim.url);
      connections++;
      for (let i = 0; i < 100 && sent < 10_000; i++, sent++) client.ws.send(frame());
      // A guaranteed protocol error ends the batch, whatever came before.
      client.ws.send(new Uint8Array([0xee, 0, 0, 0, 0]));
      const { code } = await client.closed;
      expect([1002, 1000, 1005]).toContain(code);
    }
    expect(connections).toBeGreaterThanOrEqual(100);
    expect(await echoWorks(shim, echo.port)).toBe(true);
  });
});

describe("limits", () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEcho();
  });
  afterAll(() => echo.close());

  it("streams per connection: the one over the limit gets CLOSE 0x49", async () => {
    const shim = await createShim({ allowLoopback: true, maxStreamsPerConnection: 2 });
    const client = await RawWispClient.connect(shim.url);
    try {
      for (const id of [1, 2, 3]) client.send(encodeConnect(id, StreamType.TCP, "127.0.0.1", echo.port));
      expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 3)).toMatchObject({ reason: CloseReason.THROTTLED });
      expect(shim.stats().streams.length).toBe(2);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("connections per client address and in total: CLOSE 0x49 on stream 0, then WebSocket close 1013", async () => {
    for (const opts of [{ maxConnectionsPerIp: 2 }, { maxConnections: 2 }]) {
      const shim = await createShim(opts);
      const a = await RawWispClient.connect(shim.url);
      const b = await RawWispClient.connect(shim.url);
      const c = await RawWispClient.connect(shim.url);
      try {
        expect(await c.next((p) => p.streamId === 0 && p.type === PacketType.CLOSE)).toMatchObject({ reason: CloseReason.THROTTLED });
        expect((await c.closed).code).toBe(1013);
        expect(shim.stats().connections).toBe(2);
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
        await shim.close();
      }
    }
  });

  it("the dialer reports a throttled connection as ERR_THROTTLED", async () => {
    const shim = await createShim({ maxConnections: 1 });
    const hog = await RawWispClient.connect(shim.url);
    const dialer = new WispDialer({ url: shim.url });
    try {
      await expect(dialer.dialTcp({ host: "example.com", port: 80 })).rejects.toMatchObject({ code: "ERR_THROTTLED", nativeCode: 0x49 });
    } finally {
      await dialer.close();
      await hog.close();
      await shim.close();
    }
  });

  it("a client that ignores flow control is held back: the shim stops reading its WebSocket", async () => {
    // A target that accepts but never reads, so the shim's queue can only grow.
    const sinkSockets = new Set<net.Socket>();
    const sink = net.createServer((s) => {
      sinkSockets.add(s);
      s.pause();
      s.on("error", () => {});
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const port = (sink.address() as net.AddressInfo).port;
    let readPaused!: () => void;
    const paused = new Promise<void>((r) => (readPaused = r));
    const shim = await createShim({
      allowLoopback: true,
      bufferPackets: 8,
      logger: (e) => {
        if (e.event === "connection_read_paused") readPaused();
      },
    });
    const client = await RawWispClient.connect(shim.url);
    try {
      client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", port));
      const big = new Uint8Array(60_000);
      for (let i = 0; i < 400; i++) client.send(encodeData(1, big));
      await paused;
      const st = shim.stats().streams.find((s) => s.streamId === 1)!;
      // 2 x 8 packets, plus what was already inside ws's receive buffer.
      expect(st.queuedToTargetPackets).toBeLessThan(2 * 8 + 4);
      expect(client.ws.bufferedAmount).toBeGreaterThan(0); // the rest waits on the client side
    } finally {
      await shim.close(); // first: the shim is not reading this client, so it would not see its close frame
      await client.close();
      for (const s of sinkSockets) s.destroy(); // paused: it would never see the FIN
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });
});

describe("lifecycle", () => {
  it("close() sends CLOSE 0x02 on open streams, closes WebSockets and resolves", async () => {
    const echo = await startEcho();
    const shim = await createShim({ allowLoopback: true });
    const client = await RawWispClient.connect(shim.url);
    client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", echo.port));
    client.send(encodeData(1, new Uint8Array([1])));
    await client.next((p) => p.type === PacketType.DATA && p.streamId === 1);
    await shim.close();
    expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 1)).toMatchObject({ reason: CloseReason.VOLUNTARY });
    expect((await client.closed).code).toBe(1001);
    expect(shim.stats()).toMatchObject({ connections: 0, streams: [], bufferedBytes: 0 });
    // The listening socket is gone too.
    await expect(RawWispClient.connect(shim.url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await echo.close();
  });

  it("serves static files safely", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shim-static-"));
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "index.html"), "<h1>playground</h1>");
    writeFileSync(path.join(dir, "sub", "app.js"), "export {};");
    writeFileSync(path.join(dir, "..", `${path.basename(dir)}-secret.txt`), "secret");
    const shim = await createShim({ staticDir: dir });
    const base = `http://127.0.0.1:${shim.port}`;
    try {
      const index = await fetch(`${base}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await index.text()).toBe("<h1>playground</h1>");
      const js = await fetch(`${base}/sub/app.js`);
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      await js.text();
      for (const p of [`/../${path.basename(dir)}-secret.txt`, `/%2e%2e/${path.basename(dir)}-secret.txt`, "/sub/..%2f..%2fetc%2fpasswd"]) {
        const r = await fetch(`${base}${p}`);
        expect([403, 404]).toContain(r.status);
        expect(await r.text()).not.toContain("secret");
      }
      expect((await fetch(`${base}/missing.css`)).status).toBe(404);
      expect((await fetch(`${base}/wisp/`)).status).toBe(426);
    } finally {
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(path.join(dir, "..", `${path.basename(dir)}-secret.txt`), { force: true });
    }
  });

  it("terminates a peer that stops answering pings", async () => {
    const shim = await createShim({ pingIntervalMs: 50 });
    const ws = new WebSocket(shim.url, { autoPong: false });
    ws.on("error", () => {});
    await new Promise((r) => ws.once("open", r));
    const code = await new Promise<number>((r) => ws.once("close", (c) => r(c)));
    expect(code).toBe(1006); // terminated, no close frame
    await shim.close();
  });
});
