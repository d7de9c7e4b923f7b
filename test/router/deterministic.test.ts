// Deterministic network side: with the same seed and the same frames from a station, the
// router sends the same frames (DHCP, ARP, ICMP, DNS, and TCP with its seeded ISN).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tcpEchoServer, type EchoServer } from "../helpers/echo.js";
import { summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { seededRandom, VirtualClock } from "../../ts-bindings/src/router/deterministic.js";
import { arpRequest, dhcpRequest, dnsQuery, icmpEcho, ipText, ipv4Frame, RawEnd, ROUTER_MAC, tcpSegment, udpSegment } from "../helpers/frames.js";

let echo: EchoServer;

beforeAll(async () => {
  echo = await tcpEchoServer();
});
afterAll(() => echo.close());

const hex = (f: Uint8Array) => Buffer.from(f).toString("hex");
const BROADCAST = new Uint8Array(6).fill(0xff);
const SYN = 0x02, ACK = 0x10, PSH = 0x08;

/** One scripted session; returns every frame the router sent, in order. */
async function session(seed: number | undefined): Promise<string[]> {
  const net = await createNetwork({ device: false, deterministic: seed === undefined ? undefined : { seed } });
  const advance = (ms: number) => net.clock?.advance(ms);
  const station = new RawEnd("02:00:00:00:00:15").answerArp("10.0.2.15");
  const sent: string[] = [];
  net.link.addTap((f, from) => {
    if (from !== station) sent.push(hex(f));
  });
  net.attach(station);
  const ip = (dst: string, proto: number, l4: Uint8Array, src = "10.0.2.15", dstMac = ROUTER_MAC) =>
    station.send(ipv4Frame({ dstMac, srcMac: station.mac, src, dst, proto, l4 }));
  const udpFrom = (port: number) => (f: Uint8Array) => f[23] === 17 && ((f[34]! << 8) | f[35]!) === port;
  try {
    // DHCP: DISCOVER, OFFER, REQUEST, ACK.
    ip("255.255.255.255", 17, udpSegment(68, 67, dhcpRequest(1, station.mac, { xid: 7 })), "0.0.0.0", BROADCAST);
    await station.next(udpFrom(67));
    ip("255.255.255.255", 17, udpSegment(68, 67, dhcpRequest(3, station.mac, { xid: 7, requested: "10.0.2.15", server: "10.0.2.2" })), "0.0.0.0", BROADCAST);
    await station.next(udpFrom(67));
    advance(5_000); // the router's timers run, at the same virtual moments every time
    // ARP and ping of the gateway.
    station.send(arpRequest(station.mac, "10.0.2.15", "10.0.2.2"));
    await station.next((f) => f[12] === 8 && f[13] === 6);
    ip("10.0.2.2", 1, icmpEcho(1, 1, new Uint8Array(32).fill(0x61)));
    await station.next((f) => f[23] === 1);
    // A name, then a TCP connection to it: SYN, SYN-ACK (the router's ISN), data, echo.
    ip("10.0.2.3", 17, udpSegment(4000, 53, dnsQuery(0x99, "localhost")));
    const answer = await station.next(udpFrom(53));
    const fake = ipText(answer, answer.length - 4);
    const isn = 1000;
    ip(fake, 6, tcpSegment({ sport: 5000, dport: echo.port, seq: isn, flags: SYN, mss: 1460 }));
    const synAck = await station.next((f) => f[23] === 6 && (f[47]! & (SYN | ACK)) === (SYN | ACK));
    const serverIsn = new DataView(synAck.buffer, synAck.byteOffset).getUint32(38);
    const hello = new TextEncoder().encode("hello");
    ip(fake, 6, tcpSegment({ sport: 5000, dport: echo.port, seq: isn + 1, ack: serverIsn + 1, flags: ACK | PSH, payload: hello }));
    await station.next((f) => f[23] === 6 && f.length > 54 && Buffer.from(f.subarray(54)).toString() === "hello");
    advance(1_000); // delayed ACKs and the like, again at fixed virtual times
    return sent;
  } finally {
    await net.close();
  }
}

describe("deterministic network side", () => {
  it("the same seed and the same station frames give the same router frames", async () => {
    const first = await session(7);
    const second = await session(7);
    // OFFER, ACK, ARP reply, ARP request, echo reply, DNS answer, SYN-ACK, echoed data.
    expect(first.map((f) => summarizeFrame(Buffer.from(f, "hex")).replace(/\d+\.\d+\.\d+\.\d+:\d+ >/, "X >"))).toHaveLength(8);
    expect(second).toEqual(first);
    // Another seed: another ISN (and so other frames), the same shape.
    const other = await session(8);
    expect(other.length).toBe(first.length);
    expect(other).not.toEqual(first);
  });

  it("without it, the host's randomness makes two runs differ (the router's ISN)", async () => {
    expect(await session(undefined)).not.toEqual(await session(undefined));
  });

  it("VirtualClock runs timers in due order only when advanced", () => {
    const clock = new VirtualClock();
    const ran: string[] = [];
    clock.setTimer(() => ran.push(`b@${clock.now()}`), 20);
    const cancelled = clock.setTimer(() => ran.push("never"), 15);
    clock.setTimer(() => {
      ran.push(`a@${clock.now()}`);
      clock.setTimer(() => ran.push(`c@${clock.now()}`), 5); // set while running: due at 15
    }, 10);
    clock.clearTimer(cancelled);
    expect(clock.nextTimer()).toBe(10);
    clock.advance(9);
    expect(ran).toEqual([]);
    clock.advance(100);
    expect(ran).toEqual(["a@10", "c@15", "b@20"]);
    expect(clock.now()).toBe(109);
    expect(() => clock.advanceTo(5)).toThrow(RangeError);
  });

  it("seededRandom repeats for a seed and differs between seeds", () => {
    const bytes = (seed: number) => {
      const b = new Uint8Array(37);
      seededRandom(seed)(b);
      return b;
    };
    expect(bytes(1)).toEqual(bytes(1));
    expect(bytes(1)).not.toEqual(bytes(2));
    expect(new Set(bytes(1)).size).toBeGreaterThan(20);
  });
});
