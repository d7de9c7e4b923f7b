// Nothing is lost or left behind: the WASM heaps return to their baseline after many
// requests, a slow reader keeps memory bounded, close() leaves no timers or sockets.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { localOrigin, rawGet, type LocalOrigin } from "../helpers/origin.js";

let origin: LocalOrigin;
let bigBody: Buffer;
let sawBackpressure = false;

beforeAll(async () => {
  bigBody = Buffer.alloc(20 * 1024 * 1024, 0);
  for (let i = 0; i < bigBody.length; i += 4) bigBody.writeUInt32LE(i * 2654435761 >>> 0, i);
  origin = await localOrigin((req, res) => {
    if (req.url === "/big") {
      res.setHeader("content-length", bigBody.length);
      let off = 0;
      const pump = () => {
        while (off < bigBody.length) {
          const chunk = bigBody.subarray(off, off + 65536);
          off += chunk.length;
          if (!res.write(chunk)) {
            sawBackpressure = true;
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    res.end("small");
  });
});

afterAll(() => origin.close());

const get = (net: Network, path: string) => rawGet(net, { host: "localhost", port: origin.port, ca: origin.root.certPem, path });

/** lwIP timers pending in each stack of a network that has carried nothing yet. */
function idleTimers(net: Network) {
  return { device: net.device.stat("timeouts"), router: net.routerStack.stat("timeouts") };
}

async function settled(net: Network, idle: { device: number; router: number }): Promise<void> {
  // Saved TLS sessions (resumption) are kept on purpose and vary in size by a few bytes.
  net.clearTlsSessions();
  // TIME_WAIT is 2 s on the virtual link; the router sweeps finished flows each second.
  await vi.waitFor(() => {
    const s = net.stats();
    expect(s.devicePcbs).toBe(0);
    expect(s.routerPcbs).toBe(1); // its listener
    expect(s.deviceConns).toBe(0);
    expect(s.routerConns).toBe(1); // its listener's handle
    expect(s.flows).toBe(0);
    // lwIP's TCP timer stops (and frees its entry) one tick after the last pcb is gone.
    expect(idleTimers(net)).toEqual(idle);
  }, { timeout: 15_000, interval: 200 });
}

describe("resources", () => {
  it("500 sequential requests: the WASM heaps return to their baseline", async () => {
    const net = await createNetwork();
    const idle = idleTimers(net);
    try {
      await get(net, "/warm-up"); // the TLS configuration and DNS entry are kept on purpose
      await settled(net, idle);
      const before = net.stats();
      for (let i = 0; i < 500; i++) {
        expect((await get(net, `/n${i}`)).body).toBe("small");
      }
      await settled(net, idle);
      const after = net.stats();
      expect(after.deviceHeap).toBe(before.deviceHeap);
      expect(after.routerHeap).toBe(before.routerHeap);
      expect(after.asserts).toBe(0);
    } finally {
      await net.close();
    }
  }, 180_000);

  it("a slow reader keeps memory bounded; the sender is slowed, nothing is lost", async () => {
    const net = await createNetwork();
    try {
      const sock = await net.connectTls({ host: "localhost", port: origin.port, ca: origin.root.certPem });
      const w = sock.writable.getWriter();
      await w.write(new TextEncoder().encode("GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
      w.releaseLock();
      const reader = sock.readable.getReader();
      const chunks: Uint8Array[] = [];
      let total = 0;
      let peakDevice = 0;
      let peakRouter = 0;
      const base = net.stats();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > 1_000_000 && total < 3_000_000) {
          await new Promise((r) => setTimeout(r, 2)); // a slow consumer for a while
        }
        const s = net.stats();
        peakDevice = Math.max(peakDevice, s.deviceHeap - base.deviceHeap);
        peakRouter = Math.max(peakRouter, s.routerHeap - base.routerHeap);
        chunks.push(value);
      }
      await sock.close();
      const all = Buffer.concat(chunks);
      const body = all.subarray(all.indexOf("\r\n\r\n") + 4);
      const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
      expect(body.length).toBe(bigBody.length);
      expect(sha(body)).toBe(sha(bigBody));
      expect(sawBackpressure).toBe(true);
      // Bounded by the TCP windows (35 KB each) and one TLS record, not by the 20 MB body.
      expect(peakDevice).toBeLessThan(1_000_000);
      expect(peakRouter).toBeLessThan(1_000_000);
    } finally {
      await net.close();
    }
  }, 120_000);

  it("close() leaves no timers, sockets or handles behind", async () => {
    const count = () => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    const before = count();
    const net = await createNetwork();
    await get(net, "/x");
    await net.close();
    await vi.waitFor(() => expect(count()).toBeLessThanOrEqual(before), { timeout: 5000 });
  });
});
