// Wisp v2 (INFO, extensions: UDP, password authentication, MOTD) both ways with wisp-js
// 0.5 in v2 mode: its client against our shim, and our packet codec against its server.
// v1 clients keep working next to v2 ones.
import * as dgram from "node:dgram";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { extensions as wispExtensions } from "@mercuryworkshop/wisp-js/client";
import { server as wispServer, logging as wispLogging } from "@mercuryworkshop/wisp-js/server";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import {
  CloseReason,
  ExtensionId,
  PacketType,
  StreamType,
  decodePacket,
  decodePasswordCredentials,
  encodeConnect,
  encodeData,
  encodeInfo,
  encodePasswordCredentials,
  type WispPacket,
} from "../../ts-bindings/src/wisp/packet.js";
import { RawWispClient, startEcho, until, type EchoServer } from "./helpers.js";
import { echoText, openWispJs } from "./wisp-js-client.js";

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(() => echo.close());

/** A raw client that offers the wisp-v2 subprotocol. */
async function connectV2(url: string): Promise<RawWispClient> {
  const c = new RawWispClient(new WebSocket(url, "wisp-v2"));
  await c.opened;
  return c;
}

describe("codec", () => {
  it("INFO and the password credentials round-trip; truncated extensions are refused", () => {
    const creds = encodePasswordCredentials("alice", "s3cret");
    const info = encodeInfo(2, 0, [
      { id: ExtensionId.UDP, metadata: new Uint8Array(0) },
      { id: ExtensionId.PASSWORD, metadata: creds },
    ]);
    const p = decodePacket(info);
    expect(p).toMatchObject({ type: PacketType.INFO, streamId: 0, major: 2, minor: 0 });
    if (p.type !== PacketType.INFO) throw new Error("not INFO");
    expect(p.extensions.map((e) => e.id)).toEqual([ExtensionId.UDP, ExtensionId.PASSWORD]);
    expect(decodePasswordCredentials(p.extensions[1]!.metadata)).toEqual({ username: "alice", password: "s3cret" });
    expect(() => decodePacket(info.subarray(0, info.length - 1))).toThrow(expect.objectContaining({ code: "ERR_WISP_MALFORMED" }));
    expect(decodePasswordCredentials(new Uint8Array([5, 0, 0, 1]))).toBeNull();
  });
});

describe("wisp-js client (v2) -> our shim", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await createShim({ allowLoopback: true, motd: "hello from the shim" });
  });
  afterAll(() => shim.close());

  it("negotiates v2: sees the MOTD and the UDP extension, and relays TCP and UDP", async () => {
    const conn = await openWispJs(shim.url, 2);
    const udpEcho = dgram.createSocket("udp4");
    udpEcho.on("message", (msg, rinfo) => udpEcho.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((r) => udpEcho.bind(0, "127.0.0.1", r));
    try {
      expect(conn.wisp_version).toBe(2);
      expect(conn.server_motd).toBe("hello from the shim");
      expect(conn.udp_enabled).toBe(true);
      expect(await echoText(conn, echo.port, "over tcp")).toBe("over tcp");
      expect(await echoText(conn, (udpEcho.address() as AddressInfo).port, "over udp", "udp")).toBe("over udp");
    } finally {
      udpEcho.close();
      await conn.closeAndWait();
    }
  });

  it("keeps serving v1 clients (wisp-js v1 and a plain v1 client) next to v2 ones", async () => {
    const v1 = await openWispJs(shim.url, 1);
    try {
      expect(v1.wisp_version).toBe(1);
      expect(await echoText(v1, echo.port, "v1")).toBe("v1");
    } finally {
      await v1.closeAndWait();
    }
    const plain = await RawWispClient.connect(shim.url);
    try {
      // A v1 client's first packet is the initial CONTINUE, never INFO.
      expect((await plain.next(() => true)).type).toBe(PacketType.CONTINUE);
    } finally {
      await plain.close();
    }
  });

  it("INFO comes first, then the initial CONTINUE at once: a v2 client that sends its INFO late, or never, is served", async () => {
    const c = await connectV2(shim.url);
    try {
      await c.next((p) => p.type === PacketType.CONTINUE && p.streamId === 0);
      expect(c.packets.slice(0, 2).map((p) => p.type)).toEqual([PacketType.INFO, PacketType.CONTINUE]);
      c.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", echo.port));
      c.send(encodeData(1, new Uint8Array([1, 2])));
      expect(await c.next((p) => p.type === PacketType.DATA && p.streamId === 1)).toBeTruthy();
    } finally {
      await c.close();
    }
  });
});

describe("password authentication (v2)", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await createShim({ allowLoopback: true, passwords: { alice: "correct horse" } });
  });
  afterAll(() => shim.close());

  const withPassword = (username: string, password: string) => [
    new wispExtensions.UDPExtension({ client_config: {} }),
    new wispExtensions.PasswordAuthExtension({ client_config: { username, password } }),
  ];

  it("wisp-js with the right credentials is served", async () => {
    const conn = await openWispJs(shim.url, 2, withPassword("alice", "correct horse"));
    try {
      expect(await echoText(conn, echo.port, "authed")).toBe("authed");
    } finally {
      await conn.closeAndWait();
    }
  });

  it("wisp-js with a wrong password is refused", async () => {
    await expect(openWispJs(shim.url, 2, withPassword("alice", "wrong"))).rejects.toThrow(/closed during the handshake/);
  });

  it("wrong credentials get CLOSE 0xc0, none 0xc2, a v1 client 0xc2; none holds a connection slot", async () => {
    const cases: Array<[(c: RawWispClient) => void, number, boolean]> = [
      [(c) => c.send(encodeInfo(2, 0, [{ id: ExtensionId.PASSWORD, metadata: encodePasswordCredentials("alice", "nope") }])), CloseReason.AUTH_BAD_PASSWORD, true],
      [(c) => c.send(encodeInfo(2, 0, [])), CloseReason.AUTH_MISSING_CREDENTIALS, true],
      [() => {}, CloseReason.AUTH_MISSING_CREDENTIALS, false],
    ];
    for (const [act, reason, v2] of cases) {
      const c = v2 ? await connectV2(shim.url) : await RawWispClient.connect(shim.url);
      if (v2) {
        const info = (await c.next((p) => p.type === PacketType.INFO)) as Extract<WispPacket, { type: 5 }>;
        // The server announces password authentication as required.
        expect(info.extensions.find((e) => e.id === ExtensionId.PASSWORD)?.metadata).toEqual(new Uint8Array([1]));
      }
      act(c);
      expect(await c.next((p) => p.type === PacketType.CLOSE && p.streamId === 0)).toMatchObject({ reason });
      expect((await c.closed).code).toBe(1008);
      expect(c.packets.some((p) => p.type === PacketType.CONTINUE)).toBe(false);
    }
    // The refused sockets never held a connection slot; their handshake places are given back.
    expect(shim.stats().connections).toBe(0);
    await until(() => shim.stats().handshakes === 0);
  });

  it("a v2 client that never sends INFO is refused at the handshake deadline", async () => {
    const quick = await createShim({ passwords: { a: "b" }, handshakeTimeoutMs: 100 });
    try {
      const c = await connectV2(quick.url);
      expect(await c.next((p) => p.type === PacketType.CLOSE && p.streamId === 0)).toMatchObject({ reason: CloseReason.AUTH_MISSING_CREDENTIALS });
      await c.closed;
    } finally {
      await quick.close();
    }
  });
});

describe("our codec (v2) -> wisp-js server (v2)", () => {
  let server: http.Server;
  let url: string;
  const saved = { ...wispServer.options };
  beforeAll(async () => {
    wispLogging.set_level(wispLogging.NONE);
    wispServer.options.allow_loopback_ips = true;
    wispServer.options.wisp_motd = "their motd";
    server = http.createServer((_req, res) => res.end());
    server.on("upgrade", (req, socket, head) => wispServer.routeRequest(req, socket, head));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    Object.assign(wispServer.options, saved);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("decodes their INFO (MOTD, UDP), answers with ours, gets CONTINUE and relays", async () => {
    const c = await connectV2(url);
    try {
      const info = (await c.next((p) => p.type === PacketType.INFO)) as Extract<WispPacket, { type: 5 }>;
      expect(info.major).toBe(2);
      const motd = info.extensions.find((e) => e.id === ExtensionId.MOTD);
      expect(new TextDecoder().decode(motd?.metadata)).toBe("their motd");
      expect(info.extensions.some((e) => e.id === ExtensionId.UDP)).toBe(true);
      c.send(encodeInfo(2, 0, [{ id: ExtensionId.UDP, metadata: new Uint8Array(0) }]));
      expect(await c.next((p) => p.type === PacketType.CONTINUE && p.streamId === 0)).toBeTruthy();
      c.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", echo.port));
      c.send(encodeData(1, new TextEncoder().encode("to wisp-js")));
      const d = await c.next((p) => p.type === PacketType.DATA && p.streamId === 1);
      expect(d.type === PacketType.DATA && new TextDecoder().decode(d.data)).toBe("to wisp-js");
    } finally {
      await c.close();
    }
  });
});
