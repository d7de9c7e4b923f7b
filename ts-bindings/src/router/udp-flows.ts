// The router's UDP flow table: one dialed flow per (device address:port > destination:port),
// bounded in number and expiring when idle, so a device that sends from ever new ports
// (10,000 DNS-like queries) holds no sockets or memory once it stops.
import type { DialedDatagrams } from "../dialer/types.js";

export interface UdpFlowOptions {
  /** Milliseconds without a datagram either way after which a flow is closed (default 60000). */
  idleTimeout?: number;
  /** Flows open at once; the least recently used gives way to a new one (default 1024). */
  max?: number;
  /** The clock (ms) idleness is measured with (default performance.now). */
  now?: () => number;
}

type Flow = { dialed: Promise<DialedDatagrams | undefined>; used: number };

export class UdpFlows {
  readonly idleTimeout: number;
  readonly max: number;
  #now: () => number;
  // Map order is use order: touch() moves a flow to the end, so the oldest come first.
  #flows = new Map<string, Flow>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: UdpFlowOptions = {}) {
    this.idleTimeout = options.idleTimeout ?? 60_000;
    this.max = options.max ?? 1024;
    this.#now = options.now ?? (() => performance.now());
    if (!(this.idleTimeout > 0) || !(Number.isInteger(this.max) && this.max > 0)) {
      throw new RangeError("udp flows: idleTimeout and max must be positive");
    }
  }

  get size(): number {
    return this.#flows.size;
  }

  /** The flow for `key`, dialed with `open` if there is none; counts as use. */
  get(key: string, open: () => Promise<DialedDatagrams | undefined>): Promise<DialedDatagrams | undefined> {
    let flow = this.#flows.get(key);
    if (!flow) {
      if (this.#closed) return Promise.resolve(undefined);
      while (this.#flows.size >= this.max) this.#drop(this.#flows.keys().next().value!);
      flow = { dialed: open(), used: 0 };
      this.#startTimer();
    }
    this.#flows.delete(key);
    this.#flows.set(key, flow);
    flow.used = this.#now();
    return flow.dialed;
  }

  /** A datagram came back on `key`: the flow is in use. */
  touch(key: string): void {
    const flow = this.#flows.get(key);
    if (!flow) return;
    this.#flows.delete(key);
    this.#flows.set(key, flow);
    flow.used = this.#now();
  }

  /** Closes the flows idle for idleTimeout or longer at `now`; returns how many. */
  sweep(now = this.#now()): number {
    let n = 0;
    for (const [key, flow] of this.#flows) {
      if (now - flow.used < this.idleTimeout) break; // the rest were used later
      this.#drop(key);
      n++;
    }
    if (this.#flows.size === 0) this.#stopTimer();
    return n;
  }

  #drop(key: string): void {
    const flow = this.#flows.get(key);
    this.#flows.delete(key);
    void flow?.dialed.then((d) => d?.close());
  }

  #startTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep(), Math.max(10, this.idleTimeout / 4));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.#closed = true;
    this.#stopTimer();
    for (const key of [...this.#flows.keys()]) this.#drop(key);
  }
}
