// Inbound forwards, QEMU's hostfwd: a listener on the host's 127.0.0.1:HOSTPORT whose
// connections (TCP) and datagrams (UDP) reach a station's port on the LAN. The router's
// own lwIP opens them (from 10.0.2.2), so the station sees an ordinary peer, and the
// capture shows the exchange. Node only (it listens on host sockets).
import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { LmwError } from "../errors.js";
import { socketToStreams } from "../dialer/node.js";
import { StackSocket } from "../device/socket.js";
import { StackUdpSocket } from "../device/udp.js";
import type { Stack } from "../device/stack.js";
import { isIPv4Literal } from "./dns-responder.js";

export interface ForwardRule {
  proto: "tcp" | "udp";
  /** The port on the host's 127.0.0.1 (0: any free port; see Network.forwards). */
  hostPort: number;
  devicePort: number;
  /** The station to reach (default: the first DHCP address, 10.0.2.15, as QEMU). */
  deviceIp?: string;
}

/** A forward as it runs: `hostPort` is the port actually listened on. */
export interface ActiveForward extends Required<ForwardRule> {
  readonly hostAddress: string;
}

function badForward(text: string, why: string): LmwError {
  return new LmwError("ERR_INVALID_ARG", `bad forward "${text}": ${why} (expected [tcp:|udp:]HOSTPORT:[DEVICEIP:]DEVICEPORT)`, { layer: "api" });
}

function port(text: string, field: string, whole: string, zeroOk: boolean): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= (zeroOk ? 0 : 1) && n <= 65535)) throw badForward(whole, `${field} ${JSON.stringify(text)} is not a port`);
  return n;
}

/** Parses `--forward` text: `[tcp:|udp:]HOSTPORT:DEVICEPORT`, or with the station's
 *  address `[tcp:|udp:]HOSTPORT:DEVICEIP:DEVICEPORT`. TCP when no protocol is given. */
export function parseForward(text: string): ForwardRule {
  if (typeof text !== "string") throw badForward(String(text), "not a string");
  let parts = text.split(":");
  let proto: "tcp" | "udp" = "tcp";
  if (parts[0] === "tcp" || parts[0] === "udp") {
    proto = parts[0];
    parts = parts.slice(1);
  }
  if (parts.length !== 2 && parts.length !== 3) throw badForward(text, "wrong number of fields");
  const hostPort = port(parts[0]!, "HOSTPORT", text, true);
  const devicePort = port(parts[parts.length - 1]!, "DEVICEPORT", text, false);
  const rule: ForwardRule = { proto, hostPort, devicePort };
  if (parts.length === 3) {
    if (!isIPv4Literal(parts[1]!)) throw badForward(text, `${JSON.stringify(parts[1])} is not an IPv4 address`);
    rule.deviceIp = parts[1]!;
  }
  return rule;
}

function checkRule(rule: ForwardRule): ForwardRule {
  const text = JSON.stringify(rule);
  if (rule.proto !== "tcp" && rule.proto !== "udp") throw badForward(text, "proto is tcp or udp");
  port(String(rule.hostPort), "hostPort", text, true);
  port(String(rule.devicePort), "devicePort", text, false);
  if (rule.deviceIp !== undefined && !isIPv4Literal(rule.deviceIp)) throw badForward(text, "deviceIp is not an IPv4 address");
  return rule;
}

/** Rules from options: objects or `--forward` strings; checked before anything starts. */
export function forwardRules(list: ReadonlyArray<string | ForwardRule>): ForwardRule[] {
  return list.map((r) => (typeof r === "string" ? parseForward(r) : checkRule(r)));
}

/** UDP clients mapped at once per forward, and how long an idle one is kept. */
const MAX_UDP_CLIENTS = 256;
const UDP_IDLE_MS = 60_000;

export class Forwarder {
  readonly forwards: ActiveForward[] = [];
  #stack: Stack;
  #servers: Server[] = [];
  #dgrams: DgramSocket[] = [];
  #sockets = new Set<Socket>();
  #stackSockets = new Set<StackSocket>();
  #udpClients = new Set<Map<string, { udp: StackUdpSocket; used: number }>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(stack: Stack) {
    this.#stack = stack;
  }

  /** Listens for every rule; rejects (ERR_FORWARD) if one cannot listen, with none left open. */
  static async start(stack: Stack, rules: ForwardRule[], defaultIp: string): Promise<Forwarder> {
    const f = new Forwarder(stack);
    try {
      for (const rule of rules) await f.#listen({ ...rule, deviceIp: rule.deviceIp ?? defaultIp });
    } catch (e) {
      await f.close();
      throw e;
    }
    return f;
  }

  async #listen(rule: Required<ForwardRule>): Promise<void> {
    const label = `${rule.proto}:127.0.0.1:${rule.hostPort} -> ${rule.deviceIp}:${rule.devicePort}`;
    const failed = (e: unknown) => new LmwError("ERR_FORWARD", `cannot forward ${label}: ${(e as Error).message}`, { layer: "api", cause: e });
    if (rule.proto === "tcp") {
      const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.#onTcp(client, rule));
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e) => reject(failed(e)));
        server.listen(rule.hostPort, "127.0.0.1", resolve);
      });
      this.#servers.push(server);
      const port = (server.address() as { port: number }).port;
      this.forwards.push({ ...rule, hostPort: port, hostAddress: `127.0.0.1:${port}` });
    } else {
      const sock = createSocket("udp4");
      const clients = new Map<string, { udp: StackUdpSocket; used: number }>();
      this.#udpClients.add(clients);
      sock.on("message", (msg, from) => this.#onDatagram(sock, clients, rule, new Uint8Array(msg), from.address, from.port));
      await new Promise<void>((resolve, reject) => {
        sock.once("error", (e) => reject(failed(e)));
        sock.bind(rule.hostPort, "127.0.0.1", () => resolve());
      });
      sock.on("error", () => {}); // per-datagram send errors (ICMP unreachable) are not fatal
      this.#dgrams.push(sock);
      const port = sock.address().port;
      this.forwards.push({ ...rule, hostPort: port, hostAddress: `127.0.0.1:${port}` });
      this.#timer ??= setInterval(() => this.#expire(), UDP_IDLE_MS / 4);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #onTcp(client: Socket, rule: Required<ForwardRule>): void {
    if (this.#closed || this.#stack.disposed) {
      client.destroy();
      return;
    }
    this.#sockets.add(client);
    client.once("close", () => this.#sockets.delete(client));
    const remote = socketToStreams(client, `${client.remoteAddress}:${client.remotePort}`);
    const station = StackSocket.connect(this.#stack, { ip: rule.deviceIp, port: rule.devicePort });
    this.#stackSockets.add(station);
    void station.closed.catch(() => {}).finally(() => this.#stackSockets.delete(station));
    station.opened.then(() => {
      // Client -> station; its end is the station's FIN.
      void remote.readable.pipeTo(station.writable).catch(() => station.destroy());
      // Station -> client; a reset from the station resets the client.
      void station.readable.pipeTo(remote.writable).catch(() => remote.destroy());
    }, () => remote.destroy()); // refused or unreachable: the client's connection is reset
  }

  #onDatagram(sock: DgramSocket, clients: Map<string, { udp: StackUdpSocket; used: number }>, rule: Required<ForwardRule>,
    data: Uint8Array, address: string, port: number): void {
    if (this.#closed || this.#stack.disposed) return;
    const key = `${address}:${port}`;
    let c = clients.get(key);
    if (!c) {
      if (clients.size >= MAX_UDP_CLIENTS) {
        // The least recently used client gives way (Map order is use order, see below).
        const [oldKey, old] = clients.entries().next().value!;
        old.udp.close();
        clients.delete(oldKey);
      }
      const udp = new StackUdpSocket(this.#stack);
      c = { udp, used: 0 };
      void udp.readable.pipeTo(new WritableStream({
        write: (d) => {
          if (!this.#closed) sock.send(d.data, port, address);
        },
      })).catch(() => {});
    }
    clients.delete(key);
    clients.set(key, c);
    c.used = performance.now();
    try {
      c.udp.send(data, rule.deviceIp, rule.devicePort);
    } catch {
      /* a datagram lwIP cannot send is lost, as UDP may lose it */
    }
  }

  #expire(): void {
    const now = performance.now();
    for (const clients of this.#udpClients) {
      for (const [key, c] of clients) {
        if (now - c.used < UDP_IDLE_MS) break; // in use order: the rest are newer
        c.udp.close();
        clients.delete(key);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const s of this.#sockets) s.destroy();
    for (const s of this.#stackSockets) s.destroy();
    for (const clients of this.#udpClients) for (const c of clients.values()) c.udp.close();
    this.#udpClients.clear();
    for (const d of this.#dgrams) d.close();
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
