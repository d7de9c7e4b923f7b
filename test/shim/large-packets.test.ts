// Packets the size real clients send (issue #10, part 1): wisp-js 0.5 sends each
// send() as one DATA packet, whatever its size. They pass byte for byte, count against
// the byte limits, and one over the configured limit closes only its own stream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { CloseReason, PacketType, StreamType, encodeConnect, encodeData } from "../../ts-bindings/src/wisp/packet.js";
import { RawWispClient, randomBytes, sha256, startEcho, startGatedEcho, type EchoServer } from "./helpers.js";
import { openWispJs, type WispJsStream } from "./wisp-js-client.js";

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(() => echo.close());

/** Sends `payload` in one send() and resolves with everything echoed back. */
function echoOnce(stream: WispJsStream, payload: Uint8Array): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  let total = 0;
  return new Promise((resolve, reject) => {
    stream.onmessage = (d) => {
      got.push(d.slice());
      total += d.length;
      if (total >= payload.length) resolve(got);
    };
    stream.onclose = (reason) => reject(new Error(`stream closed early, reason 0x${reason.toString(16)}`));
    stream.send(payload);
  });
}

describe("wisp-js client through the shim with real-size packets", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await createShim({ allowLoopback: true });
  });
  afterAll(() => shim.close());

  for (const version of [1, 2] as const) {
    it(`4 MiB in one send() comes back byte for byte (Wisp v${version})`, async () => {
      const conn = await openWispJs(shim.url, version);
      try {
        expect(conn.wisp_version).toBe(version);
        const payload = randomBytes(4 << 20, 41 + version);
        const got = await echoOnce(conn.create_stream("127.0.0.1", echo.port), payload);
        expect(sha256(got)).toBe(sha256(payload));
        // The shim saw the packet whole: one message of 4 MiB + header.
        expect(Math.max(...shim.stats().connectionStats.map((c) => c.maxPacketBytesSeen))).toBe((4 << 20) + 5);
      } finally {
        await conn.closeAndWait();
      }
    });

    it(`8 parallel streams of 256 KiB, one send() each, byte for byte (Wisp v${version})`, async () => {
      const conn = await openWispJs(shim.url, version);
      try {
        const runs = Array.from({ length: 8 }, async (_, i) => {
          const payload = randomBytes(256 * 1024, 100 + i);
          const got = await echoOnce(conn.create_stream("127.0.0.1", echo.port), payload);
          return sha256(got) === sha256(payload);
        });
        expect(await Promise.all(runs)).toEqual(Array(8).fill(true));
      } finally {
        await conn.closeAndWait();
      }
    });
  }

  it("after the transfers, the shim holds no bytes", async () => {
    const conn = await openWispJs(shim.url, 2);
    await conn.closeAndWait();
    expect(shim.stats().bufferedBytes).toBe(0);
  });
});

describe("a packet over maxPacketBytes", () => {
  it("closes only its stream (CLOSE 0x49); the other streams and the WebSocket go on", async () => {
    const shim = await createShim({ allowLoopback: true, maxPacketBytes: 256 * 1024 });
    const client = await RawWispClient.connect(shim.url);
    try {
      client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", echo.port));
      client.send(encodeConnect(2, StreamType.TCP, "127.0.0.1", echo.port));
      client.send(encodeData(2, new Uint8Array([7])));
      await client.next((p) => p.type === PacketType.DATA && p.streamId === 2);
      client.send(encodeData(1, new Uint8Array(300 * 1024)));
      expect(await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 1)).toMatchObject({ reason: CloseReason.THROTTLED });
      // Stream 2 still echoes, on the same WebSocket.
      client.send(encodeData(2, new Uint8Array([8, 9])));
      const before = client.packets.length;
      const p = await client.next((p) => p.type === PacketType.DATA && p.streamId === 2 && client.packets.indexOf(p) >= before);
      expect(p.type).toBe(PacketType.DATA);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("counts a large packet's bytes against the stream limit: the client gets CONTINUE 0, then credit again", async () => {
    const target = await startGatedEcho(); // reads nothing until open()
    const shim = await createShim({ allowLoopback: true, streamBufferBytes: 64 * 1024 });
    const client = await RawWispClient.connect(shim.url);
    try {
      client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", target.port));
      // The kernel takes some MiB for a target that does not read; keep sending until
      // the shim's own queue fills and it withholds credit.
      const chunks: Uint8Array[] = [];
      let zeroSeen = false;
      const zeroP = client.next((p) => p.type === PacketType.CONTINUE && p.streamId === 1 && p.bufferRemaining === 0);
      void zeroP.then(() => (zeroSeen = true));
      for (let i = 0; !zeroSeen && i < 256; i++) {
        const chunk = randomBytes(256 * 1024, 9 + i);
        chunks.push(chunk);
        await new Promise<void>((r) => client.ws.send(encodeData(1, chunk), () => r()));
        await new Promise((r) => setImmediate(r));
      }
      const zero = await zeroP;
      const payload = Buffer.concat(chunks);
      // Bounded while the target reads nothing: the stream limit plus one packet.
      expect(shim.stats().bufferedBytes).toBeLessThan(64 * 1024 + 2 * 256 * 1024 + 4096);
      target.open();
      const again = await client.next(
        (p) => p.type === PacketType.CONTINUE && p.streamId === 1 && p.bufferRemaining > 0 && client.packets.indexOf(p) > client.packets.indexOf(zero),
      );
      expect(again.type).toBe(PacketType.CONTINUE);
      let total = 0;
      await client.next((p) => {
        if (p.type === PacketType.DATA && p.streamId === 1) total += p.data.length;
        return total >= payload.length;
      });
      const echoed = client.packets.flatMap((p) => (p.type === PacketType.DATA && p.streamId === 1 ? [p.data] : []));
      expect(sha256(echoed)).toBe(sha256(payload));
    } finally {
      await client.close();
      await shim.close();
      await target.close();
    }
  });
});
