// A stack's frames through a real socket with QEMU's -netdev stream framing, attached to
// the router's LAN: what a native Pico program (or a QEMU guest) does.
import { createConnection } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackSocket } from "../../ts-bindings/src/device/socket.js";
import { Stack } from "../../ts-bindings/src/device/stack.js";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { Netif } from "../../ts-bindings/src/link/netif.js";
import { PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { connectStreamLink, listenStreamLink } from "../../ts-bindings/src/link/stream-link.js";
import { VirtualLink } from "../../ts-bindings/src/link/virtual-link.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { arpRequest, parsePcap, RawEnd } from "../helpers/frames.js";
import { readAll } from "../helpers/streams.js";
import { tcpEchoServer, type EchoServer } from "../helpers/echo.js";

let echo: EchoServer;
let dir: string;

beforeAll(async () => {
  echo = await tcpEchoServer();
  dir = mkdtempSync(join(tmpdir(), "lmw-stream-link-"));
});
afterAll(() => {
  echo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("stream link (QEMU -netdev stream framing)", () => {
  for (const kind of ["tcp", "unix"] as const) {
    // Over TCP the program has a static address; over the Unix socket it asks for one by DHCP.
    it(`carries a stack's frames to the router over ${kind === "tcp" ? "loopback TCP" : "a Unix socket, DHCP first"}`, async () => {
      const pcap = new PcapWriter();
      const net = await createNetwork({ device: false, onFrame: pcap.tap });
      const listener = await listenStreamLink(kind === "tcp" ? { host: "127.0.0.1", port: 0 } : { path: join(dir, "link.sock") });
      expect(listener.address).toMatch(kind === "tcp" ? /^tcp:127\.0\.0\.1:\d+$/ : /^unix:.*link\.sock$/);
      // The program's side: its netif's frames go into the socket.
      const stack = await Stack.create({ name: "program" });
      const netif = kind === "tcp"
        ? new Netif(stack, { mac: "02:00:00:00:00:21", ip: "10.0.2.15", gateway: "10.0.2.2", isDefault: true })
        : new Netif(stack, { mac: "02:00:00:00:00:21", ip: "0.0.0.0", isDefault: true });
      const [programEnd, routerEnd] = await Promise.all([connectStreamLink(listener.address), listener.accept()]);
      const cable = new VirtualLink(netif, programEnd);
      const port = net.attach(routerEnd);
      try {
        if (kind === "unix") expect((await netif.startDhcp()).ip).toBe("10.0.2.15");
        const sock = StackSocket.connect(stack, { ip: "10.0.2.2", port: echo.port });
        await sock.opened;
        const w = sock.writable.getWriter();
        const payload = new Uint8Array(200_000).map((_, i) => (i * 7) & 255); // many frames
        await w.write(payload);
        await w.close();
        expect(await readAll(sock.readable)).toEqual(payload);
        expect([...routerEnd.mac]).toEqual([2, 0, 0, 0, 0, 0x21]);
      } finally {
        port.detach();
        cable.dispose();
        programEnd.close();
        routerEnd.close();
        await Promise.all([programEnd.closed, routerEnd.closed]);
        await listener.close();
        await net.close();
        netif.dispose();
        stack.dispose();
      }
      const summaries = parsePcap(pcap.bytes()).map(summarizeFrame);
      expect(summaries.some((s) => /^TCP 10\.0\.2\.15:\d+ > 10\.0\.2\.2:\d+ \[SYN\]/.test(s))).toBe(true);
      expect(summaries.some((s) => /^TCP 10\.0\.2\.2:\d+ > 10\.0\.2\.15:\d+ \[SYN,ACK\]/.test(s))).toBe(true);
    });
  }

  it("reassembles frames split at any byte, and ends the link on a bad length", async () => {
    const listener = await listenStreamLink();
    const [, port] = /:(\d+)$/.exec(listener.address)!;
    const raw = createConnection(Number(port), "127.0.0.1");
    const end = await listener.accept();
    const got: Uint8Array[] = [];
    let wake: () => void = () => {};
    end.onFrame((f) => {
      got.push(f);
      wake();
    });
    const frames = [new Uint8Array(60).fill(1), new Uint8Array(1514).fill(2)];
    const wire = Buffer.concat(frames.map((f) => {
      const b = Buffer.alloc(4 + f.length);
      b.writeUInt32BE(f.length);
      b.set(f, 4);
      return b;
    }));
    for (let i = 0; i < wire.length; i += 7) raw.write(wire.subarray(i, i + 7));
    while (got.length < 2) await new Promise<void>((r) => (wake = r));
    expect(got).toEqual(frames);
    // The other way: what the LAN delivers comes out framed.
    const back = new Promise<Buffer>((r) => raw.once("data", r));
    end.input(frames[0]!);
    const b = await back;
    expect(b.readUInt32BE(0)).toBe(60);
    expect(new Uint8Array(b.subarray(4, 64))).toEqual(frames[0]);
    raw.write(Buffer.from([0, 1, 0, 0])); // 65536: not an Ethernet frame
    await expect(end.closed).rejects.toSatisfy((e) => isLmwError(e, "ERR_LINK_FRAMING"));
    raw.destroy();
    await listener.close();
    await expect(listener.accept()).rejects.toSatisfy((e) => isLmwError(e, "ERR_CLOSED"));
  });

  it("listens on loopback only, and refuses a malformed address", async () => {
    await expect(listenStreamLink({ host: "0.0.0.0", port: 0 })).rejects.toSatisfy((e) => isLmwError(e, "ERR_INVALID_ARG"));
    await expect(connectStreamLink("udp:1.2.3.4")).rejects.toSatisfy((e) => isLmwError(e, "ERR_INVALID_ARG"));
  });

  it("a raw station on the stream link gets ARP answers from the router", async () => {
    const net = await createNetwork({ device: false });
    const listener = await listenStreamLink();
    const [client, routerEnd] = await Promise.all([connectStreamLink(listener.address), listener.accept()]);
    net.attach(routerEnd);
    const station = new RawEnd("02:00:00:00:00:31");
    const cable = new VirtualLink(station, client);
    try {
      station.send(arpRequest(station.mac, "10.0.2.15", "10.0.2.2"));
      const reply = await station.next((f) => f[12] === 8 && f[13] === 6 && f[21] === 2);
      expect([...reply.subarray(22, 28)]).toEqual([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);
    } finally {
      cable.dispose();
      client.close();
      routerEnd.close();
      await listener.close();
      await net.close();
    }
  });
});
