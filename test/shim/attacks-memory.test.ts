// Attacks of issue #10 part 4 on memory, scaled down: peers that never read, bytes
// instead of packets, the overall budget, streams closed to escape --max-streams. In
// each, the bytes the shim holds (stats()) and this process's descriptors stay bounded,
// the relay stays alive, and a well-behaved client is served during and after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CloseReason, StreamType, encodeClose, encodeConnect, encodeData } from "../../ts-bindings/src/wisp/packet.js";
import {
  RawWispClient,
  echoWorks,
  openFds,
  readPaused,
  shimWithEvents,
  startChatty,
  startEcho,
  turn,
  until,
  withSilentTarget,
  type EchoServer,
} from "./helpers.js";

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(() => echo.close());

describe("a peer that never reads", () => {
  for (const flood of ["CLOSE replies", "pongs"] as const) {
    it(`unread ${flood}: the client is paused, then dropped; bytes held stay bounded`, async () => {
      const hwm = 16 * 1024;
      const { shim, seen } = await shimWithEvents({ pingIntervalMs: 100, highWaterMark: hwm });
      const fds = openFds();
      const chatty = await startChatty(16 << 20);
      const attacker = await RawWispClient.connect(shim.url);
      attacker.ws.pause(); // never reads again
      const dropped = seen("stalled_client");
      let maxHeld = 0;
      let isDropped = false;
      void dropped.then(() => (isDropped = true));
      try {
        // A download it does not read fills the kernel's buffers first (the shim pauses
        // that target); from then on every reply waits in the shim.
        attacker.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", chatty.port));
        await until(() => shim.stats().streams.some((st) => st.paused));
        // Each DATA for an unknown stream draws a CLOSE reply; each ping a pong.
        const unknown = encodeData(424242, new Uint8Array(0));
        const pingPayload = Buffer.alloc(125, 1);
        for (let round = 0; round < 1000 && !isDropped && !readPaused(shim); round++) {
          for (let i = 0; i < 200; i++) {
            if (flood === "pongs") attacker.ws.ping(pingPayload);
            else attacker.ws.send(unknown);
          }
          await turn();
          maxHeld = Math.max(maxHeld, shim.stats().bufferedBytes);
        }
        // Paused: what it has not read is bounded (the paused download's last reads,
        // 2 x highWaterMark of replies, plus one message's).
        expect(readPaused(shim)).toBe(true);
        expect(maxHeld).toBeLessThan(2 * hwm + 256 * 1024);
        expect(shim.stats().bufferedBytes).toBeLessThan(2 * hwm + 256 * 1024);
        expect(await echoWorks(shim, echo.port)).toBe(true); // served during the attack
        await dropped; // no progress for a tick: dropped
        await until(() => shim.stats().connections === 0);
        expect(shim.stats().bufferedBytes).toBe(0);
        expect(await echoWorks(shim, echo.port)).toBe(true);
      } finally {
        attacker.ws.terminate();
        await shim.close();
        await chatty.close();
      }
      await until(() => openFds() <= fds + 2);
    });
  }

  it("keep-alive covers a peer that fills one stream's queue and goes silent", () => withSilentTarget(async (target) => {
    const { shim, seen, events } = await shimWithEvents({ pingIntervalMs: 100, streamBufferBytes: 64 * 1024, connectionBufferBytes: 256 * 1024 });
    const attacker = new RawWispClient(new WebSocket(shim.url, { autoPong: false }));
    await attacker.opened;
    try {
      attacker.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", target.port));
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 4000 && !readPaused(shim); i++) {
        attacker.send(encodeData(1, chunk)); // ignores credit
        if (i % 16 === 0) await turn();
      }
      attacker.ws.pause(); // silent from now on: reads nothing, answers no ping
      // The stream that holds the connection back is closed (0x47) and reading resumes;
      // then the peer is dropped, as one that answers no ping (keepalive_timeout) or,
      // if what it still had in flight draws replies it does not read, as a stalled client.
      await seen("stalled_streams_closed");
      await until(() => shim.stats().connections === 0);
      expect(events.map((e) => e.event).filter((e) => e === "keepalive_timeout" || e === "stalled_client")).toHaveLength(1);
      expect(await echoWorks(shim, echo.port)).toBe(true);
    } finally {
      attacker.ws.terminate();
      await shim.close();
    }
  }));
});

describe("memory is bounded in bytes, not packets", () => {
  it("streams of 64 KiB packets to targets that never read: held bytes stay under the connection limit and return to 0", () => withSilentTarget(async (target) => {
    const connLimit = 1024 * 1024;
    // A paused socket does not see its peer leave; the keep-alive tick finds it (here every second).
    const { shim } = await shimWithEvents({ streamBufferBytes: 128 * 1024, connectionBufferBytes: connLimit, pingIntervalMs: 1000 });
    const fds = openFds();
    const attacker = await RawWispClient.connect(shim.url);
    try {
      for (let id = 1; id <= 16; id++) attacker.send(encodeConnect(id, StreamType.TCP, "127.0.0.1", target.port));
      const chunk = new Uint8Array(64 * 1024 - 5);
      let maxHeld = 0;
      let paused = false;
      for (let round = 0; round < 400 && !paused; round++) {
        for (let id = 1; id <= 16; id++) attacker.send(encodeData(id, chunk)); // no credit honoured
        await turn();
        maxHeld = Math.max(maxHeld, shim.stats().bufferedBytes);
        paused = readPaused(shim);
      }
      expect(paused).toBe(true);
      // The limit, plus what was already read when it was crossed (a few packets).
      expect(maxHeld, JSON.stringify(shim.stats().connectionStats)).toBeLessThan(connLimit + 16 * 64 * 1024);
      expect(shim.stats().bufferedBytes).toBeLessThan(connLimit + 16 * 64 * 1024);
      expect(await echoWorks(shim, echo.port)).toBe(true);
    } finally {
      attacker.ws.terminate();
    }
    // Gone with the client: its bytes and (withSilentTarget checks) its target sockets.
    await until(() => shim.stats().bufferedBytes === 0 && shim.stats().streams.length === 0);
    await shim.close();
    target.open();
    await until(() => target.open_connections === 0 && openFds() <= fds + 2);
  }));

  it("over the overall budget, the connection holding the most is dropped; others are served", () => withSilentTarget(async (target) => {
    const { shim, seen } = await shimWithEvents({ totalBufferBytes: 512 * 1024, streamBufferBytes: 4 << 20, connectionBufferBytes: 4 << 20 });
    const attacker = await RawWispClient.connect(shim.url);
    try {
      attacker.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", target.port));
      const dropped = seen("budget_exceeded");
      let isDropped = false;
      void dropped.then(() => (isDropped = true));
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 4000 && !isDropped; i++) {
        attacker.send(encodeData(1, chunk));
        if (i % 8 === 0) await turn();
      }
      expect((await dropped).conn).toBeGreaterThan(0);
      await until(() => shim.stats().connections === 0);
      expect(await echoWorks(shim, echo.port)).toBe(true);
      await until(() => shim.stats().bufferedBytes === 0);
    } finally {
      attacker.ws.terminate();
      await shim.close();
    }
  }));
});

describe("closed streams release their resources", () => {
  it("CONNECT, DATA to a target that never reads, CLOSE, next id: stays within --max-streams and frees the targets", () => withSilentTarget(async (target) => {
    const { shim } = await shimWithEvents({ maxStreamsPerConnection: 4, connectTimeoutMs: 300 });
    const attacker = await RawWispClient.connect(shim.url);
    try {
      const chunk = new Uint8Array(64 * 1024);
      for (let id = 1; id <= 40; id++) {
        attacker.send(encodeConnect(id, StreamType.TCP, "127.0.0.1", target.port));
        for (let i = 0; i < 20; i++) attacker.send(encodeData(id, chunk));
        attacker.send(encodeClose(id, CloseReason.VOLUNTARY));
        await turn();
        // Streams closed by the client but still flushing count: each is one target socket.
        expect(shim.stats().streams.length).toBeLessThanOrEqual(4);
      }
      expect(await echoWorks(shim, echo.port)).toBe(true);
    } finally {
      await attacker.close();
    }
    await until(() => shim.stats().streams.length === 0 && shim.stats().bufferedBytes === 0);
    await shim.close();
  }));
});

