// A packet capture of the device's link and the TLS key log that decrypts it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { KeyLog, PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { localOrigin, type LocalOrigin } from "../helpers/origin.js";
import { readAll } from "../helpers/stacks.js";
import { parsePcap } from "../helpers/frames.js";

let origin: LocalOrigin;

beforeAll(async () => {
  origin = await localOrigin((_req, res) => res.end("captured"));
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
    const sock = await net.connectTls({ host: "localhost", port: origin.port });
    const w = sock.writable.getWriter();
    await w.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    w.releaseLock();
    expect(new TextDecoder().decode(await readAll(sock.readable))).toMatch(/captured$/);
    await sock.close();
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
