// Inbound forwards (QEMU's hostfwd): from Node on 127.0.0.1:hostPort to a station's port.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { StackListener } from "../../ts-bindings/src/device/listener.js";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { parseForward } from "../../ts-bindings/src/router/forward.js";
import { ipv4Frame, parsePcap, RawEnd, ROUTER_MAC, udpSegment } from "../helpers/frames.js";
import { readAll } from "../helpers/streams.js";

function tcpExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.end(text));
    const chunks: Buffer[] = [];
    s.on("data", (c) => chunks.push(c));
    s.on("end", () => resolve(Buffer.concat(chunks).toString()));
    s.on("error", reject);
  });
}

describe("parseForward", () => {
  it("reads [tcp:|udp:]HOSTPORT:[DEVICEIP:]DEVICEPORT", () => {
    expect(parseForward("tcp:8080:80")).toEqual({ proto: "tcp", hostPort: 8080, devicePort: 80 });
    expect(parseForward("8080:80")).toEqual({ proto: "tcp", hostPort: 8080, devicePort: 80 });
    expect(parseForward("udp:5353:53")).toEqual({ proto: "udp", hostPort: 5353, devicePort: 53 });
    expect(parseForward("tcp:0:10.0.2.16:22")).toEqual({ proto: "tcp", hostPort: 0, devicePort: 22, deviceIp: "10.0.2.16" });
    for (const bad of ["", "tcp:80", "sctp:1:2", "tcp:1:2:3:4", "tcp:x:80", "tcp:80:0", "tcp:80:70000", "tcp:80:host:22"]) {
      expect(() => parseForward(bad), bad).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    }
  });

  it("createNetwork refuses a bad rule before it builds anything", async () => {
    await expect(createNetwork({ forward: ["tcp:1:2:3"] })).rejects.toSatisfy((e) => isLmwError(e, "ERR_INVALID_ARG"));
  });
});

describe("forward", () => {
  it("TCP: Node reaches a StackListener on the library's device through 127.0.0.1:hostPort", async () => {
    const pcap = new PcapWriter();
    const net = await createNetwork({ forward: ["tcp:0:80", { proto: "tcp", hostPort: 0, devicePort: 81 }], onFrame: pcap.tap });
    try {
      const [fwd, unserved] = net.forwards;
      expect(fwd).toMatchObject({ proto: "tcp", devicePort: 80, deviceIp: "10.0.2.15" });
      expect(fwd!.hostPort).toBeGreaterThan(0);
      using listener = new StackListener(net.device, { port: 80 }, (s) => {
        void readAll(s.readable).then(async (bytes) => {
          const w = s.writable.getWriter();
          await w.write(new TextEncoder().encode(`device got: ${new TextDecoder().decode(bytes)}`));
          await w.close();
        });
      });
      const answers = await Promise.all([1, 2, 3].map((i) => tcpExchange(fwd!.hostPort, `hello ${i}`)));
      expect(answers).toEqual(["device got: hello 1", "device got: hello 2", "device got: hello 3"]);
      // Nothing listens on the device's port 81: the host's client is dropped, nothing hangs.
      await expect(tcpExchange(unserved!.hostPort, "anyone?")).rejects.toThrow();
    } finally {
      await net.close();
    }
    const summaries = parsePcap(pcap.bytes()).map(summarizeFrame);
    expect(summaries.some((s) => /^TCP 10\.0\.2\.2:\d+ > 10\.0\.2\.15:80 \[SYN\]/.test(s))).toBe(true);
    expect(summaries.some((s) => /^TCP 10\.0\.2\.15:81 > 10\.0\.2\.2:\d+ \[ACK,RST\]/.test(s))).toBe(true);
  });

  it("UDP: datagrams reach a station's port and its answers come back to the sender", async () => {
    const net = await createNetwork({ device: false, forward: ["udp:0:5353"] });
    const station = new RawEnd("02:00:00:00:00:15");
    const routerMac = ROUTER_MAC;
    net.attach(station);
    const client = createSocket("udp4");
    try {
      await new Promise<void>((r) => client.bind(0, "127.0.0.1", () => r()));
      const replies: string[] = [];
      let wake = () => {};
      client.on("message", (m) => {
        replies.push(m.toString());
        wake();
      });
      // The station answers the router's ARP for 10.0.2.15, then echoes each datagram.
      station.answerArp("10.0.2.15");
      void (async () => {
        for (;;) {
          const f = await station.next((x) => x[12] === 8 && x[13] === 0 && x[23] === 17);
          const sport = (f[34]! << 8) | f[35]!;
          const payload = f.subarray(42, 14 + ((f[16]! << 8) | f[17]!));
          const answer = new TextEncoder().encode(`station: ${new TextDecoder().decode(payload)}`);
          station.send(ipv4Frame({ dstMac: routerMac, srcMac: station.mac, src: "10.0.2.15", dst: "10.0.2.2", proto: 17, l4: udpSegment(5353, sport, answer) }));
        }
      })();
      const port = net.forwards[0]!.hostPort;
      for (const text of ["one", "two"]) {
        client.send(text, port, "127.0.0.1");
        while (!replies.includes(`station: ${text}`)) await new Promise<void>((r) => (wake = r));
      }
      expect(replies).toEqual(["station: one", "station: two"]);
    } finally {
      client.close();
      await net.close();
    }
  });

  it("a host port in use is ERR_FORWARD", async () => {
    const first = await createNetwork({ forward: ["tcp:0:80"] });
    try {
      const taken = first.forwards[0]!.hostPort;
      await expect(createNetwork({ forward: [`tcp:${taken}:80`] })).rejects.toSatisfy((e) => isLmwError(e, "ERR_FORWARD"));
    } finally {
      await first.close();
    }
  });
});
