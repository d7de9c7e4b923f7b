// A TCP echo server on loopback, a UDP socket that keeps what reaches it, and one exchange
// through a stack socket: the far ends for tests of the LAN, the router and programs.
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { createServer, type AddressInfo, type Server } from "node:net";
import type { StackSocket } from "../../ts-bindings/src/device/socket.js";
import { readAll } from "./streams.js";

export interface EchoServer {
  port: number;
  close(): void;
}

export async function tcpEchoServer(): Promise<EchoServer> {
  const server: Server = createServer((s) => {
    s.on("error", () => {}); // a network's close resets its connections
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** Writes `text`, ends the write side, and returns all the peer sends back. */
export async function exchange(sock: StackSocket, text: string | Uint8Array): Promise<string> {
  await sock.opened;
  const w = sock.writable.getWriter();
  await w.write(typeof text === "string" ? new TextEncoder().encode(text) : text);
  await w.close();
  return new TextDecoder().decode(await readAll(sock.readable));
}

/** A UDP socket on loopback; `got` holds each datagram that reached it, as text. */
export async function udpSink(): Promise<{ port: number; got: string[]; close(): void }> {
  const sink = createSocket("udp4");
  sink.bind(0, "127.0.0.1");
  await once(sink, "listening");
  const got: string[] = [];
  sink.on("message", (m) => got.push(String(m)));
  return { port: sink.address().port, got, close: () => sink.close() };
}
