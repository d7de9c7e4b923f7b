// A packet capture of the device's link and the TLS key log that decrypts it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { KeyLog, PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { localOrigin, rawGet, type LocalOrigin } from "../helpers/origin.js";
import { parsePcap } from "../helpers/frames.js";

let origin: LocalOrigin;

beforeAll(async () => {
  origin = await localOrigin((req, res) => res.end(req.url === "/big" ? Buffer.alloc(200_000, 1) : "captured"));
});
afterAll(() => origin.close());

it("captures the link as pcap and logs keys that match the ClientHello", async () => {
  const pcap = new PcapWriter();
  const keylog = new KeyLog();
  const net = await createNetwork({
    tls: { ca: origin.root.certPem, keylog: true },
    onFrame: pcap.tap,
    onLog: (e) => e.source === "keylog" && keylog.add(e.text),
  });
  try {
    expect((await rawGet(net, { host: "localhost", port: origin.port })).body).toBe("captured");
  } finally {
    await net.close();
  }
  const frames = parsePcap(pcap.bytes());
  const summaries = frames.map(summarizeFrame);
  expect(summaries.some((s) => s.startsWith("ARP who-has 10.0.2.2"))).toBe(true);
  expect(summaries.some((s) => s.includes("(DNS)"))).toBe(true);
  expect(summaries.some((s) => /^TCP 10\.0\.2\.15:\d+ > 198\.18\.\d+\.\d+:\d+ \[SYN\]/.test(s))).toBe(true);

  // The first TLS record the device sends is its ClientHello; its random is the key log's label.
  const hello = frames.find((f) => {
    if (f.length < 54 || f[23] !== 6) return false;
    const l4 = 14 + (f[14]! & 15) * 4;
    const data = l4 + (f[l4 + 12]! >> 4) * 4;
    return f[data] === 0x16 && f[data + 5] === 0x01;
  })!;
  expect(hello).toBeDefined();
  const l4 = 14 + (hello[14]! & 15) * 4;
  const data = l4 + (hello[l4 + 12]! >> 4) * 4;
  const random = Buffer.from(hello.subarray(data + 11, data + 43)).toString("hex");
  const labels = keylog.lines.map((l) => l.split(" "));
  expect(labels.map((l) => l[0])).toEqual(expect.arrayContaining(["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]));
  for (const l of labels) {
    expect(l[1]).toBe(random);
    expect(l[2]).toMatch(/^([0-9a-f]{64}|[0-9a-f]{96})$/); // SHA-256 or SHA-384 suites
  }
});

/** The ones-complement sum of `b` (16-bit big-endian words), folded. */
function sum16(b: Uint8Array, acc = 0): number {
  for (let i = 0; i < b.length; i += 2) acc += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

/** Every TCP frame's IPv4 and TCP checksums verify; returns the largest TCP payload. */
function checkTcpFrames(frames: Uint8Array[]): number {
  let largest = 0;
  let checked = 0;
  for (const f of frames) {
    if (f.length < 54 || f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 6) continue;
    const ihl = (f[14]! & 15) * 4;
    const total = (f[16]! << 8) | f[17]!;
    expect(sum16(f.subarray(14, 14 + ihl))).toBe(0xffff);
    const seg = f.subarray(14 + ihl, 14 + total);
    const pseudo = new Uint8Array(12);
    pseudo.set(f.subarray(26, 34), 0);
    pseudo[9] = 6;
    pseudo[10] = seg.length >> 8;
    pseudo[11] = seg.length & 0xff;
    expect(sum16(seg, sum16(pseudo))).toBe(0xffff);
    largest = Math.max(largest, seg.length - (seg[12]! >> 4) * 4);
    checked++;
  }
  expect(checked).toBeGreaterThan(10);
  return largest;
}

it("captures valid checksums; segments follow the link's MTU (1500 on request, larger by default)", async () => {
  const largest: Record<string, number> = {};
  for (const linkMtu of [1500, undefined]) {
    const pcap = new PcapWriter();
    const net = await createNetwork({ tls: { ca: origin.root.certPem }, onFrame: pcap.tap, linkMtu });
    try {
      const res = await net.fetch(`https://localhost:${origin.port}/big`);
      expect((await res.arrayBuffer()).byteLength).toBe(200_000);
    } finally {
      await net.close();
    }
    largest[String(linkMtu)] = checkTcpFrames(parsePcap(pcap.bytes()));
  }
  expect(largest["1500"]).toBe(1460);
  expect(largest["undefined"]).toBeGreaterThan(1460);
});
