// Bytes through the shim: integrity, parallel streams, the raw form, backpressure, UDP.
import * as dgram from "node:dgram";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createShim, type LogEntry, type Shim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { PacketType, StreamType, encodeConnect } from "../../ts-bindings/src/wisp/packet.js";
import { readAll } from "../helpers/streams.js";
import { RawWispClient, randomBytes, sha256, startEcho, type EchoServer } from "./helpers.js";

const MiB = 1 << 20;

async function echoThrough(dialer: WispDialer, port: number, payload: Uint8Array): Promise<string> {
  const stream = await dialer.dialTcp({ host: "127.0.0.1", port });
  const writer = stream.writable.getWriter();
  const reading = readAll(stream.readable, payload.length);
  // Write in uneven slices, as an application would.
  for (let off = 0, i = 0; off < payload.length; i++) {
    const n = Math.min(payload.length - off, 1000 + ((i * 7919) % 90_000));
    await writer.write(payload.subarray(off, off + n));
    off += n;
  }
  const chunks = await reading;
  writer.releaseLock();
  stream.destroy();
  return sha256(chunks);
}

describe("relay", () => {
  let echo: EchoServer;
  let shim: Shim;
  let dialer: WispDialer;
  beforeAll(async () => {
    echo = await startEcho();
    shim = await createShim({ allowLoopback: true });
    dialer = new WispDialer({ url: shim.url });
  });
  afterAll(async () => {
    await dialer.close();
    await shim.close();
    await echo.close();
  });

  it("echoes 4 MiB byte for byte through one stream", async () => {
    const payload = randomBytes(4 * MiB, 42);
    expect(await echoThrough(dialer, echo.port, payload)).toBe(sha256(payload));
  });

  it("echoes 8 streams in parallel", async () => {
    const payloads = Array.from({ length: 8 }, (_, i) => randomBytes(512 * 1024 + i * 1000, 100 + i));
    const hashes = await Promise.all(payloads.map((p) => echoThrough(dialer, echo.port, p)));
    expect(hashes).toEqual(payloads.map((p) => sha256(p)));
  });

  it("maps a refused connection to ERR_CONNECTION_REFUSED", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const stream = await dialer.dialTcp({ host: "127.0.0.1", port });
    await expect(stream.readable.getReader().read()).rejects.toMatchObject({ code: "ERR_CONNECTION_REFUSED", layer: "wisp", nativeCode: 0x44 });
  });

  it("serves the one-WebSocket-per-stream form /wisp/<host>:<port>", async () => {
    const ws = new WebSocket(`${shim.url}127.0.0.1:${echo.port}`);
    ws.binaryType = "nodebuffer";
    const payload = randomBytes(300_000, 7);
    const got: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) =>
      ws.on("message", (d: Buffer) => {
        got.push(d);
        total += d.length;
        if (total >= payload.length) resolve();
      }),
    );
    await new Promise((r) => ws.once("open", r));
    for (let off = 0; off < payload.length; off += 50_000) ws.send(payload.subarray(off, off + 50_000));
    await done;
    expect(sha256(got)).toBe(sha256(payload));
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.close();
    await closed;
  });

  it("the raw form keeps bytes that arrive with the upgrade, before the target is connected", async () => {
    const s = net.connect(shim.port, "127.0.0.1");
    await new Promise((r) => s.once("connect", r));
    const payload = Buffer.from("sent with the upgrade");
    // One binary frame, masked with a zero key (so the payload stays as it is).
    const frame = Buffer.concat([Buffer.from([0x82, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
    s.write(
      Buffer.concat([
        Buffer.from(
          `GET /wisp/127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
        frame,
      ]),
    );
    let got = Buffer.alloc(0);
    await new Promise<void>((resolve) =>
      s.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.includes(payload)) resolve();
      }),
    );
    expect(got.toString("latin1")).toMatch(/^HTTP\/1\.1 101 /);
    s.destroy();
  });

  it("the raw form refuses blocked targets with close code 4000 + reason", async () => {
    const strict = await createShim();
    try {
      const ws = new WebSocket(`${strict.url}127.0.0.1:${echo.port}`);
      ws.on("error", () => {});
      const code = await new Promise<number>((r) => ws.once("close", (c) => r(c)));
      expect(code).toBe(4000 + 0x48);
    } finally {
      await strict.close();
    }
  });

  it("relays UDP datagrams", async () => {
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    try {
      const flow = await dialer.dialUdp({ host: "127.0.0.1", port: udp.address().port });
      const got = new Promise<Uint8Array>((r) => flow.onMessage(r));
      flow.send(new TextEncoder().encode("datagram"));
      expect(new TextDecoder().decode(await got)).toBe("datagram");
      flow.close();
    } finally {
      await new Promise<void>((r) => udp.close(() => r()));
    }
  });
});

describe("slow reader", () => {
  it("keeps the shim's per-stream buffer bounded and pauses the target socket", async () => {
    const total = 64 * MiB;
    const chunk = Buffer.alloc(MiB, 0x5a);
    let sentBySource = 0;
    const source = net.createServer((s) => {
      s.on("error", () => {});
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          sentBySource = sent;
          if (!s.write(chunk)) return void s.once("drain", pump);
        }
        s.end();
      };
      pump();
    });
    await new Promise<void>((r) => source.listen(0, "127.0.0.1", r));
    const port = (source.address() as net.AddressInfo).port;
    const highWaterMark = 512 * 1024;
    let pausedSeen!: () => void;
    const paused = new Promise<void>((r) => (pausedSeen = r));
    const shim = await createShim({
      allowLoopback: true,
      highWaterMark,
      logger: (e: LogEntry) => {
        if (e.event === "stream_paused") pausedSeen();
      },
    });
    const client = await RawWispClient.connect(shim.url);
    try {
      await client.next((p) => p.type === PacketType.CONTINUE && p.streamId === 0);
      client.ws.pause(); // the client stops reading its socket
      client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", port));
      await paused;
      const during = shim.stats().streams.find((s) => s.streamId === 1)!;
      expect(during.paused).toBe(true);
      // The target is held back by TCP, not drained into the shim's memory.
      expect(sentBySource).toBeLessThan(total);
      let maxPending = during.maxPendingToClientBytes;
      let nextSnapshot = 8 * MiB;
      // Now read everything; the shim's buffer must have stayed bounded the whole way.
      let received = 0;
      const allRead = new Promise<void>((resolve) =>
        client.ws.on("message", (d: Buffer) => {
          if (d[0] === PacketType.DATA) received += d.length - 5;
          if (received >= nextSnapshot) {
            nextSnapshot += 8 * MiB;
            const st = shim.stats().streams.find((s) => s.streamId === 1);
            if (st) maxPending = Math.max(maxPending, st.maxPendingToClientBytes);
          }
          if (received >= total) resolve();
        }),
      );
      client.ws.resume();
      await allRead;
      expect(maxPending).toBeGreaterThan(0);
      expect(maxPending).toBeLessThan(highWaterMark + 256 * 1024);
      expect(during.pauseCount).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
      await shim.close();
      await new Promise<void>((r) => source.close(() => r()));
    }
  });
});
