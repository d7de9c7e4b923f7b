// Interop with the reference peer, @mercuryworkshop/wisp-js: its client against our
// shim, and our WispDialer against its server.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client as wispClient } from "@mercuryworkshop/wisp-js/client";
import { server as wispServer, logging as wispLogging } from "@mercuryworkshop/wisp-js/server";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { readAll } from "../helpers/streams.js";
import { randomBytes, sha256, startEcho, type EchoServer } from "./helpers.js";

interface WispJsStream {
  send(data: Uint8Array): void;
  close(reason?: number): void;
  onmessage: (data: Uint8Array) => void;
  onclose: (reason: number) => void;
}
interface WispJsConnection {
  onopen: () => void;
  onclose: () => void;
  onerror: () => void;
  create_stream(host: string, port: number, type?: number): WispJsStream;
  close(): void;
  ws: { once?: (ev: string, cb: () => void) => void };
}

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(() => echo.close());

describe("wisp-js client -> our shim", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await createShim({ allowLoopback: true });
  });
  afterAll(() => shim.close());

  async function open(): Promise<WispJsConnection> {
    const conn = new wispClient.ClientConnection(shim.url) as WispJsConnection;
    await new Promise<void>((resolve, reject) => {
      conn.onopen = resolve;
      conn.onerror = () => reject(new Error("wisp-js connection failed"));
    });
    return conn;
  }

  it("echoes 1 MiB through a wisp-js stream", async () => {
    const conn = await open();
    const payload = randomBytes(1 << 20, 5);
    const stream = conn.create_stream("127.0.0.1", echo.port);
    const got: Uint8Array[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) => {
      stream.onmessage = (d) => {
        got.push(d.slice());
        total += d.length;
        if (total >= payload.length) resolve();
      };
    });
    for (let off = 0; off < payload.length; off += 16_384) stream.send(payload.subarray(off, off + 16_384));
    await done;
    expect(sha256(got)).toBe(sha256(payload));
    stream.close(0x02);
    const closed = new Promise<void>((r) => (conn.onclose = r));
    conn.close();
    await closed;
  });

  it("sees our refusal reasons (0x48 for loopback on a strict shim)", async () => {
    const strict = await createShim();
    try {
      const conn = new wispClient.ClientConnection(strict.url) as WispJsConnection;
      await new Promise<void>((resolve) => (conn.onopen = resolve));
      const stream = conn.create_stream("::ffff:127.0.0.1", echo.port);
      const reason = await new Promise<number>((r) => (stream.onclose = r));
      expect(reason).toBe(0x48);
      const closed = new Promise<void>((r) => (conn.onclose = r));
      conn.close();
      await closed;
    } finally {
      await strict.close();
    }
  });
});

describe("our WispDialer -> wisp-js server", () => {
  let server: http.Server;
  let url: string;
  const saved = { ...wispServer.options };
  const upgraded = new Set<import("node:stream").Duplex>();
  const dropAll = () => {
    for (const s of upgraded) s.destroy();
  };
  beforeAll(async () => {
    wispLogging.set_level(wispLogging.NONE);
    wispServer.options.allow_loopback_ips = true;
    server = http.createServer((_req, res) => res.end());
    server.on("upgrade", (req, socket, head) => {
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
      wispServer.routeRequest(req, socket, head);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    Object.assign(wispServer.options, saved);
    dropAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("echoes 2 MiB byte for byte and 4 parallel streams", async () => {
    const dialer = new WispDialer({ url });
    try {
      const run = async (seed: number, size: number) => {
        const payload = randomBytes(size, seed);
        const s = await dialer.dialTcp({ host: "127.0.0.1", port: echo.port });
        const w = s.writable.getWriter();
        const reading = readAll(s.readable, size);
        for (let off = 0; off < size; off += 40_000) await w.write(payload.subarray(off, off + 40_000));
        const got = await reading;
        s.destroy();
        return sha256(got) === sha256(payload);
      };
      expect(await run(1, 2 << 20)).toBe(true);
      expect(await Promise.all([2, 3, 4, 5].map((seed) => run(seed, 256 * 1024)))).toEqual([true, true, true, true]);
    } finally {
      await dialer.close();
    }
  });

  it("a lost WebSocket fails open streams with ERR_WISP_CONNECTION_LOST; the next dial reconnects", async () => {
    const dialer = new WispDialer({ url });
    try {
      const s = await dialer.dialTcp({ host: "127.0.0.1", port: echo.port });
      const reading = s.readable.getReader().read();
      dropAll(); // drop every WebSocket under the dialer
      await expect(reading).rejects.toMatchObject({ code: "ERR_WISP_CONNECTION_LOST" });
      const s2 = await dialer.dialTcp({ host: "127.0.0.1", port: echo.port });
      const w = s2.writable.getWriter();
      await w.write(new TextEncoder().encode("again"));
      const { value } = await s2.readable.getReader().read();
      expect(new TextDecoder().decode(value)).toBe("again");
      s2.destroy();
    } finally {
      await dialer.close();
    }
  });
});
