// ICMP echo to the gateway and to the DNS address is answered (as on QEMU's network).
import { describe, expect, it } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { icmpEcho, ipText, ipv4Frame, RawEnd, ROUTER_MAC } from "../helpers/frames.js";

describe("ping", () => {
  for (const target of ["10.0.2.2", "10.0.2.3"]) {
    it(`${target} answers an echo request with the same id, sequence and data`, async () => {
      const net = await createNetwork({ device: false });
      const station = new RawEnd("02:00:00:00:00:15").answerArp("10.0.2.15");
      net.attach(station);
      try {
        for (const seq of [1, 2]) {
          const data = new TextEncoder().encode(`ping ${seq} `.repeat(20));
          station.send(ipv4Frame({ dstMac: ROUTER_MAC, srcMac: station.mac, src: "10.0.2.15", dst: target, proto: 1, l4: icmpEcho(0x4242, seq, data), id: seq }));
          const reply = await station.next((f) => f[23] === 1 && f[34] === 0);
          expect([ipText(reply, 26), ipText(reply, 30)]).toEqual([target, "10.0.2.15"]);
          expect([...reply.subarray(0, 6)]).toEqual([...station.mac]);
          expect((reply[38]! << 8) | reply[39]!).toBe(0x4242);
          expect((reply[40]! << 8) | reply[41]!).toBe(seq);
          expect(reply.subarray(42)).toEqual(data);
          // Both checksums hold: the one's complement sum over each is 0xffff.
          const sum = (b: Uint8Array) => {
            let s = 0;
            for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
            while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
            return s;
          };
          expect(sum(reply.subarray(14, 34))).toBe(0xffff);
          expect(sum(reply.subarray(34))).toBe(0xffff);
        }
      } finally {
        await net.close();
      }
    });
  }

  it("drops echo requests to other addresses (no raw sockets on the host side)", async () => {
    const net = await createNetwork({ device: false });
    const station = new RawEnd("02:00:00:00:00:15").answerArp("10.0.2.15");
    net.attach(station);
    try {
      station.send(ipv4Frame({ dstMac: ROUTER_MAC, srcMac: station.mac, src: "10.0.2.15", dst: "192.0.2.1", proto: 1, l4: icmpEcho(1, 1, new Uint8Array(8)) }));
      // A ping to the gateway sent after it is answered; the first never is.
      station.send(ipv4Frame({ dstMac: ROUTER_MAC, srcMac: station.mac, src: "10.0.2.15", dst: "10.0.2.2", proto: 1, l4: icmpEcho(2, 1, new Uint8Array(8)) }));
      const reply = await station.next((f) => f[23] === 1 && f[34] === 0);
      expect(ipText(reply, 26)).toBe("10.0.2.2");
      expect(station.received.filter((f) => f[23] === 1)).toEqual([]);
    } finally {
      await net.close();
    }
  });
});
