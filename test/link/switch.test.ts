// The LAN: a learning switch joining any number of LinkEnds, and createNetwork's router
// serving stacks that are attached to it (device: false).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackListener } from "../../ts-bindings/src/device/listener.js";
import { StackSocket } from "../../ts-bindings/src/device/socket.js";
import { Stack } from "../../ts-bindings/src/device/stack.js";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { Netif } from "../../ts-bindings/src/link/netif.js";
import { PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { Switch } from "../../ts-bindings/src/link/switch.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { parsePcap, RawEnd } from "../helpers/frames.js";
import { readAll } from "../helpers/streams.js";
import { exchange, tcpEchoServer, type EchoServer } from "../helpers/echo.js";

function frame(dst: Uint8Array | "broadcast", src: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  if (dst === "broadcast") f.fill(0xff, 0, 6);
  else f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5; // local experimental ethertype
  f[14] = tag;
  return f;
}

describe("Switch", () => {
  it("floods broadcast and unknown destinations, then sends only where a MAC was learned", async () => {
    using sw = new Switch();
    const [a, b, c] = [new RawEnd("02:00:00:00:00:0a"), new RawEnd("02:00:00:00:00:0b"), new RawEnd("02:00:00:00:00:0c")];
    for (const e of [a, b, c]) sw.attach(e);
    const seen: number[] = [];
    sw.addTap((f) => seen.push(f[14]!));

    a.send(frame("broadcast", a.mac, 1));
    await b.next((f) => f[14] === 1);
    await c.next((f) => f[14] === 1);
    // b's MAC is not known yet: flooded to a and c.
    b.send(frame(new Uint8Array([2, 0, 0, 0, 0, 0x0d]), b.mac, 2));
    await a.next((f) => f[14] === 2);
    await c.next((f) => f[14] === 2);
    // a and b are learned now: b -> a and a -> b go to one port each.
    b.send(frame(a.mac, b.mac, 3));
    a.send(frame(b.mac, a.mac, 4));
    await a.next((f) => f[14] === 3);
    await b.next((f) => f[14] === 4);
    expect(c.received.map((f) => f[14])).toEqual([]);
    expect(a.received.map((f) => f[14])).toEqual([]);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("a tap turns checksums on for the library netifs on the LAN, and for those attached later", async () => {
    await using a = await Stack.create({ name: "a" });
    await using b = await Stack.create({ name: "b" });
    using na = new Netif(a, { mac: "02:00:00:00:00:0a", ip: "10.0.2.15" });
    using nb = new Netif(b, { mac: "02:00:00:00:00:0b", ip: "10.0.2.16" });
    for (const n of [na, nb]) n.setLink(a.constant("FAST_LINK_MTU"), false);
    using sw = new Switch();
    sw.attach(na);
    sw.addTap(() => {});
    expect([na.checksums, nb.checksums]).toEqual([true, false]);
    sw.attach(nb);
    expect([na.checksums, nb.checksums]).toEqual([true, true]);
    expect([na.mtu, nb.mtu]).toEqual([a.constant("FAST_LINK_MTU"), a.constant("FAST_LINK_MTU")]); // the MTU is left alone
  });

  it("delivers nothing to or from a detached end, and a microtask after the send", async () => {
    using sw = new Switch();
    const a = new RawEnd("02:00:00:00:00:0a");
    const b = new RawEnd("02:00:00:00:00:0b");
    sw.attach(a);
    const port = sw.attach(b);
    a.send(frame("broadcast", a.mac, 1));
    expect(b.received).toEqual([]); // not inside the sender's call
    await b.next((f) => f[14] === 1);
    a.send(frame("broadcast", a.mac, 2));
    port.detach();
    await Promise.resolve();
    await Promise.resolve();
    expect(b.received).toEqual([]);
    expect(() => b.send(frame("broadcast", b.mac, 3))).toThrow(/not attached/);
    expect(() => sw.attach(a)).toThrow(/already attached/);
  });
});

describe("createNetwork({ device: false }) with stacks attached", () => {
  let echo: EchoServer;

  beforeAll(async () => {
    echo = await tcpEchoServer();
  });
  afterAll(() => echo.close());

  it("two stacks talk to each other and to the outside through the router; pcap sees it all", async () => {
    const pcap = new PcapWriter();
    const net = await createNetwork({ device: false, onFrame: pcap.tap });
    const a = await Stack.create({ name: "a" });
    const b = await Stack.create({ name: "b" });
    const na = new Netif(a, { mac: "02:00:00:00:00:0a", ip: "10.0.2.15", gateway: "10.0.2.2", isDefault: true });
    const nb = new Netif(b, { mac: "02:00:00:00:00:0b", ip: "10.0.2.16", gateway: "10.0.2.2", isDefault: true });
    try {
      expect(() => net.device).toThrow(expect.objectContaining({ code: "ERR_NO_DEVICE" }));
      await expect(net.connectTcp({ host: "10.0.2.2", port: echo.port })).rejects.toSatisfy((e) => isLmwError(e, "ERR_NO_DEVICE"));
      net.attach(na);
      net.attach(nb);
      // b serves an upper-casing echo; a reaches it across the LAN, not through the NAT.
      using listener = new StackListener(b, { port: 7 }, (s) => {
        void readAll(s.readable).then(async (bytes) => {
          const w = s.writable.getWriter();
          await w.write(new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase()));
          await w.close();
        });
      });
      expect(await exchange(StackSocket.connect(a, { ip: "10.0.2.16", port: 7 }), "across the lan")).toBe("ACROSS THE LAN");
      expect(net.router.flowCount()).toBe(0);
      // Both reach the host's echo server through the router (10.0.2.2 is the host's loopback).
      const [fromA, fromB] = await Promise.all([
        exchange(StackSocket.connect(a, { ip: "10.0.2.2", port: echo.port }), "from a"),
        exchange(StackSocket.connect(b, { ip: "10.0.2.2", port: echo.port }), "from b"),
      ]);
      expect([fromA, fromB]).toEqual(["from a", "from b"]);
    } finally {
      await net.close();
      na.dispose();
      nb.dispose();
      a.dispose();
      b.dispose();
    }
    const summaries = parsePcap(pcap.bytes()).map(summarizeFrame);
    expect(summaries).toContain("ARP who-has 10.0.2.16 tell 10.0.2.15");
    expect(summaries.some((s) => /^ARP 10\.0\.2\.16 is-at 02:00:00:00:00:0b/.test(s))).toBe(true);
    expect(summaries.some((s) => /^TCP 10\.0\.2\.15:\d+ > 10\.0\.2\.16:7 \[SYN\]/.test(s))).toBe(true);
    expect(summaries.some((s) => /^TCP 10\.0\.2\.16:7 > 10\.0\.2\.15:\d+ \[SYN,ACK\]/.test(s))).toBe(true);
    for (const ip of ["10.0.2.15", "10.0.2.16"]) {
      expect(summaries.some((s) => s.startsWith(`TCP ${ip}:`) && s.includes(`> 10.0.2.2:${echo.port} [SYN]`))).toBe(true);
      expect(summaries.some((s) => s.startsWith(`TCP 10.0.2.2:${echo.port} > ${ip}:`) && s.includes("[SYN,ACK]"))).toBe(true);
    }
  });

  it("keeps createNetwork's own device as the first station on the LAN", async () => {
    const net = await createNetwork();
    const other = await Stack.create({ name: "other" });
    const n = new Netif(other, { mac: "02:00:00:00:00:0b", ip: "10.0.2.16", gateway: "10.0.2.2", isDefault: true });
    const lanNetifs = () => net.link.ends.filter((e): e is Netif => e instanceof Netif && e !== n);
    try {
      // Device and router alone: the in-memory link, largest MTU, no checksums.
      expect(lanNetifs().map((e) => [e.mtu, e.checksums])).toEqual([[net.device.constant("FAST_LINK_MTU"), false], [net.device.constant("FAST_LINK_MTU"), false]]);
      const port = net.attach(n);
      // Another station checks checksums and expects Ethernet-sized frames: 1500 with checksums.
      expect(lanNetifs().map((e) => [e.mtu, e.checksums])).toEqual([[1500, true], [1500, true]]);
      expect(net.link.ends.length).toBe(3);
      using listener = new StackListener(other, { port: 7 }, (s) => void s.readable.pipeTo(s.writable));
      expect(await exchange(await net.connectTcp({ host: "10.0.2.16", port: 7 }), "device to neighbour")).toBe("device to neighbour");
      expect(await exchange(await net.connectTcp({ host: "127.0.0.1", port: echo.port }), "device out")).toBe("device out");
      port.detach();
      expect(lanNetifs().map((e) => [e.mtu, e.checksums])).toEqual([[1500, true], [1500, true]]); // and stays so
    } finally {
      await net.close();
      n.dispose();
      other.dispose();
    }
  });
});
