// The router's UDP flow table is bounded and expires: 10,000 flows from a station leave no
// sockets and no memory behind.
import { createSocket, type Socket } from "node:dgram";
import { readdirSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { UdpFlows } from "../../ts-bindings/src/router/udp-flows.js";
import type { DialedDatagrams } from "../../ts-bindings/src/dialer/types.js";
import { ipv4Frame, RawEnd, ROUTER_MAC, udpSegment } from "../helpers/frames.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let echo: Socket;
let echoPort: number;

beforeAll(async () => {
  echo = createSocket("udp4");
  echo.on("message", (m, from) => echo.send(m, from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, "127.0.0.1", () => r()));
  echoPort = echo.address().port;
});
afterAll(() => echo.close());

const openFds = () => readdirSync("/proc/self/fd").length;
const tick = () => new Promise<void>((r) => setImmediate(r));

describe("UdpFlows", () => {
  it("closes the least recently used flow beyond `max`, and idle flows at sweep", async () => {
    let t = 0;
    const closed: string[] = [];
    const flows = new UdpFlows({ max: 2, idleTimeout: 100, now: () => t });
    const open = (name: string) => () => Promise.resolve<DialedDatagrams>({ send() {}, onMessage() {}, close: () => closed.push(name) });
    flows.get("a", open("a"));
    t = 10;
    flows.get("b", open("b"));
    t = 20;
    flows.get("a", open("a2")); // a is used again: b is now the oldest
    flows.get("c", open("c"));
    await tick();
    expect(closed).toEqual(["b"]);
    t = 125;
    flows.touch("c"); // a reply keeps c alive
    expect(flows.sweep()).toBe(1);
    await tick();
    expect(closed).toEqual(["b", "a"]);
    flows.close();
    await tick();
    expect(closed).toEqual(["b", "a", "c"]);
    expect(flows.size).toBe(0);
  });
});

describe("the router's UDP flows", () => {
  it("10,000 flows: bounded while they run, then sockets and memory back to the baseline", async () => {
    const max = 500;
    // The router's virtual clock (deterministic mode) measures idleness: no flow expires
    // while the batches run, however slow the machine, and all of them once it is advanced.
    const idleTimeout = 300;
    const net = await createNetwork({ device: false, udpFlows: { idleTimeout, max }, deterministic: { seed: 1 } });
    const station = new RawEnd("02:00:00:00:00:15").answerArp("10.0.2.15");
    net.attach(station);
    let answered = 0;
    let wake = () => {};
    const receive = station.input.bind(station);
    station.input = (f) => {
      if (f[23] === 17) {
        answered++;
        wake();
      } else receive(f);
    };
    const send = (sport: number) => station.send(ipv4Frame({
      dstMac: ROUTER_MAC, srcMac: station.mac, src: "10.0.2.15", dst: "10.0.2.2", proto: 17,
      l4: udpSegment(sport, echoPort, new TextEncoder().encode(`flow ${sport}`)), id: sport,
    }));
    const drained = async (n: number) => {
      while (answered < n) await new Promise<void>((r) => (wake = r));
    };
    const expired = () => {
      net.clock!.advance(idleTimeout);
      return vi.waitFor(() => expect(net.router.udpFlowCount()).toBe(0), { timeout: 20_000, interval: 50 });
    };
    try {
      // Warm up (code paths, caches), then measure the baseline with nothing open.
      for (let p = 1000; p < 1200; p++) send(p);
      await drained(200);
      await expired();
      await tick();
      gc();
      const base = { fds: openFds(), heap: process.memoryUsage().heapUsed, router: net.routerStack.heapInUse() };

      let peakFlows = 0;
      let peakFds = 0;
      // In batches the echo server's socket buffer holds (the kernel drops the rest).
      for (let batch = 0; batch < 100; batch++) {
        for (let i = 0; i < 100; i++) send(20_000 + batch * 100 + i);
        await drained(200 + (batch + 1) * 100);
        peakFlows = Math.max(peakFlows, net.router.udpFlowCount());
        peakFds = Math.max(peakFds, openFds());
      }
      expect(peakFlows).toBeLessThanOrEqual(max);
      expect(peakFds - base.fds).toBeLessThanOrEqual(max + 16);
      await expired();
      // Sockets closed by the expiry are released a turn later.
      await vi.waitFor(() => expect(openFds()).toBeLessThanOrEqual(base.fds), { timeout: 10_000, interval: 50 });
      await tick();
      gc();
      expect(net.routerStack.heapInUse()).toBe(base.router);
      // 10,000 flows held would be well over 10 MB (a socket, closures, a map entry each);
      // measured here: about 0.6 MB above the baseline, V8's own noise.
      expect(process.memoryUsage().heapUsed - base.heap).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await net.close();
    }
  });
});
