// Relay throughput: the same echo, direct over TCP and through one Wisp stream (WispDialer
// -> shim -> TCP echo), in one run. Run by hand: `npx tsx bench/shim-relay.ts [MiB]`.

import * as net from "node:net";
import { createShim } from "../ts-bindings/src/shim/server.js";
import { WispDialer } from "../ts-bindings/src/dialer/wisp.js";

const MiB = 1 << 20;
const totalMiB = Number(process.argv[2] ?? 256);
const total = totalMiB * MiB;
const chunk = new Uint8Array(60 * 1024).fill(0xa5);

async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function direct(port: number): Promise<number> {
  const start = performance.now();
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  let received = 0;
  const done = new Promise<void>((resolve) =>
    socket.on("data", (d: Buffer) => {
      received += d.length;
      if (received >= total) resolve();
    }),
  );
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r));
  }
  await done;
  socket.destroy();
  return performance.now() - start;
}

async function viaWisp(dialer: WispDialer, port: number): Promise<number> {
  const start = performance.now();
  const stream = await dialer.dialTcp({ host: "127.0.0.1", port });
  const reading = (async () => {
    const reader = stream.readable.getReader();
    let received = 0;
    while (received < total) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
    }
    reader.releaseLock();
  })();
  const writer = stream.writable.getWriter();
  for (let sent = 0; sent < total; sent += chunk.length) await writer.write(chunk);
  await reading;
  stream.destroy();
  return performance.now() - start;
}

const mbps = (ms: number) => (total / 1e6 / (ms / 1000)).toFixed(1);

const echo = await startEcho();
const shim = await createShim({ allowLoopback: true });
const dialer = new WispDialer({ url: shim.url });
try {
  // One warm-up round of each, then the measured ones.
  await direct(echo.port);
  await viaWisp(dialer, echo.port);
  const rounds = 3;
  for (let i = 1; i <= rounds; i++) {
    const d = await direct(echo.port);
    const w = await viaWisp(dialer, echo.port);
    console.log(`round ${i}: ${totalMiB} MiB echoed  direct TCP ${mbps(d)} MB/s   one Wisp stream ${mbps(w)} MB/s   (${((100 * d) / w).toFixed(0)}% of direct)`);
  }
} finally {
  await dialer.close();
  await shim.close();
  await echo.close();
}
