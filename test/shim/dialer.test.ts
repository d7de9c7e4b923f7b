// WispDialer against a scripted Wisp server (a real `ws` server speaking our codec), to
// pin down flow control and CLOSE-reason mapping exactly.
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { createShim } from "../../ts-bindings/src/shim/server.js";
import { PacketType, decodePacket, encodeClose, encodeContinue, encodeData, type WispPacket } from "../../ts-bindings/src/wisp/packet.js";

interface Scripted {
  url: string;
  /** Resolves with the server side of the next WebSocket, after the initial CONTINUE. */
  nextPeer(): Promise<{ ws: WebSocket; packets: WispPacket[]; next(pred: (p: WispPacket) => boolean): Promise<WispPacket> }>;
  close(): Promise<void>;
}

async function scriptedServer(initialCredit: number): Promise<Scripted> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.once("listening", r));
  const pending: Array<(p: Awaited<ReturnType<Scripted["nextPeer"]>>) => void> = [];
  wss.on("connection", (ws) => {
    const packets: WispPacket[] = [];
    const waiters: Array<{ pred: (p: WispPacket) => boolean; resolve: (p: WispPacket) => void }> = [];
    ws.on("message", (d: Buffer) => {
      const p = decodePacket(new Uint8Array(d));
      packets.push(p);
      for (const w of [...waiters]) if (w.pred(p)) waiters.splice(waiters.indexOf(w), 1), w.resolve(p);
    });
    const next = (pred: (p: WispPacket) => boolean) =>
      new Promise<WispPacket>((resolve) => {
        const seen = packets.find(pred);
        if (seen) resolve(seen);
        else waiters.push({ pred, resolve });
      });
    ws.send(encodeContinue(0, initialCredit));
    pending.shift()?.({ ws, packets, next });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    nextPeer: () => new Promise((r) => pending.push(r)),
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe("WispDialer", () => {
  it("never sends DATA without credit and resumes on CONTINUE", async () => {
    const server = await scriptedServer(2);
    const dialer = new WispDialer({ url: server.url });
    cleanup.push(() => server.close(), () => dialer.close());
    const peerP = server.nextPeer();
    const stream = await dialer.dialTcp({ host: "example.com", port: 80 });
    const peer = await peerP;
    const writer = stream.writable.getWriter();
    const writes = [1, 2, 3, 4, 5].map((i) => writer.write(new Uint8Array([i])));
    await writes[1];
    const connect = await peer.next((p) => p.type === PacketType.CONNECT);
    expect(connect).toMatchObject({ hostname: "example.com", port: 80, streamType: 1 });
    await peer.next((p) => p.type === PacketType.DATA && p.data[0] === 2);
    // Round trip: anything sent after the credit ran out would arrive before this echo.
    peer.ws.send(encodeData(connect.streamId, new Uint8Array([0xaa])));
    const reader = stream.readable.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([0xaa]));
    expect(peer.packets.filter((p) => p.type === PacketType.DATA)).toHaveLength(2);
    peer.ws.send(encodeContinue(connect.streamId, 3));
    await Promise.all(writes);
    await peer.next((p) => p.type === PacketType.DATA && p.data[0] === 5);
    expect(peer.packets.filter((p) => p.type === PacketType.DATA).map((p) => (p as { data: Uint8Array }).data[0])).toEqual([1, 2, 3, 4, 5]);
    stream.destroy();
    expect(await peer.next((p) => p.type === PacketType.CLOSE)).toMatchObject({ reason: 0x02 });
  });

  it("splits writes larger than one WebSocket message", async () => {
    const server = await scriptedServer(128);
    const dialer = new WispDialer({ url: server.url });
    cleanup.push(() => server.close(), () => dialer.close());
    const peerP = server.nextPeer();
    const stream = await dialer.dialTcp({ host: "example.com", port: 443 });
    const peer = await peerP;
    await stream.writable.getWriter().write(new Uint8Array(200_000));
    await peer.next((p) => p.type === PacketType.DATA && peer.packets.filter((q) => q.type === PacketType.DATA).length === 4);
    const sizes = peer.packets.filter((p) => p.type === PacketType.DATA).map((p) => (p as { data: Uint8Array }).data.length);
    expect(sizes).toEqual([65531, 65531, 65531, 200_000 - 3 * 65531]);
    stream.destroy();
  });

  it.each([
    [0x44, "ERR_CONNECTION_REFUSED"],
    [0x42, "ERR_HOST_UNREACHABLE"],
    [0x43, "ERR_TIMEOUT_CONNECT"],
    [0x48, "ERR_BLOCKED_BY_RELAY"],
    [0x45, "ERR_DNS_NOT_FOUND"],
    [0x47, "ERR_TIMEOUT_IDLE"],
    [0x49, "ERR_THROTTLED"],
    [0x41, "ERR_INVALID_TARGET"],
    [0x03, "ERR_CONNECTION_RESET"],
    [0x01, "ERR_WISP_CLOSED"],
  ])("maps CLOSE reason %i to %s", async (reason, code) => {
    const server = await scriptedServer(128);
    const dialer = new WispDialer({ url: server.url });
    cleanup.push(() => server.close(), () => dialer.close());
    const peerP = server.nextPeer();
    const stream = await dialer.dialTcp({ host: "example.com", port: 80 });
    const peer = await peerP;
    const connect = await peer.next((p) => p.type === PacketType.CONNECT);
    peer.ws.send(encodeClose(connect.streamId, reason));
    await expect(stream.readable.getReader().read()).rejects.toMatchObject({ code, layer: "wisp", nativeCode: reason });
    await expect(stream.writable.getWriter().write(new Uint8Array([1]))).rejects.toMatchObject({ code });
  });

  it("ends readable cleanly on CLOSE 0x02", async () => {
    const server = await scriptedServer(128);
    const dialer = new WispDialer({ url: server.url });
    cleanup.push(() => server.close(), () => dialer.close());
    const peerP = server.nextPeer();
    const stream = await dialer.dialTcp({ host: "example.com", port: 80 });
    const peer = await peerP;
    const connect = await peer.next((p) => p.type === PacketType.CONNECT);
    peer.ws.send(encodeData(connect.streamId, new Uint8Array([7])));
    peer.ws.send(encodeClose(connect.streamId, 0x02));
    const reader = stream.readable.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([7]));
    expect((await reader.read()).done).toBe(true);
  });

  it("rejects an aborted dial and a dial after close()", async () => {
    const server = await scriptedServer(128);
    const dialer = new WispDialer({ url: server.url });
    cleanup.push(() => server.close());
    const ac = new AbortController();
    ac.abort();
    await expect(dialer.dialTcp({ host: "example.com", port: 80 }, { signal: ac.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
    await dialer.close();
    await expect(dialer.dialTcp({ host: "example.com", port: 80 })).rejects.toMatchObject({ code: "ERR_DIALER_CLOSED" });
  });

  it("reports a refused upgrade (401 without a token) as ERR_WISP_CONNECT_FAILED", async () => {
    const shim = await createShim({ tokenSecret: "s" });
    const dialer = new WispDialer({ url: shim.url });
    cleanup.push(() => shim.close(), () => dialer.close());
    await expect(dialer.dialTcp({ host: "example.com", port: 80 })).rejects.toMatchObject({ code: "ERR_WISP_CONNECT_FAILED" });
  });
});
