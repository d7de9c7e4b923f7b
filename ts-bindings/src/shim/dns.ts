// Name lookups with bounds: a few in flight per connection, a few more per client
// address, a fixed number overall, and a fair turn between connections, so that one
// client's lookups that never answer cannot starve everyone else's.
//
// Why it matters: dns.lookup (getaddrinfo) runs on libuv's small thread pool. Lookups
// that hang fill it, and then every other name (and file read) waits behind them.
//
// - Each connection has its own FIFO; the scheduler takes one lookup from each waiting
//   connection in turn (round robin), within the per-connection, per-address and global
//   limits.
// - A lookup's slot is given back when it settles or when its timeout fires, whichever
//   comes first. (getaddrinfo cannot be cancelled: a lookup past its timeout may still
//   hold a pool thread until the system resolver gives up; we no longer wait for it.)
// - When a connection goes away, its queued lookups are dropped without running and its
//   running ones are abandoned (their results are ignored).
// - Each connection may queue a bounded number; past that, the CONNECT is throttled.

import type { LookupFn } from "./options.js";

export interface DnsLimits {
  /** Lookups in flight overall. */
  maxInFlight: number;
  /** Lookups in flight per connection. */
  maxInFlightPerConnection: number;
  /** Lookups in flight per client address. */
  maxInFlightPerAddress: number;
  /** Lookups waiting per connection; past this, refused. */
  maxQueuedPerConnection: number;
  timeoutMs: number;
}

export type LookupOutcome =
  | { ok: true; addresses: string[] }
  | { ok: false; kind: "timeout" | "throttled" | "cancelled" }
  | { ok: false; kind: "failed"; code: string };

interface Job {
  host: string;
  resolve: (o: LookupOutcome) => void;
}

/** One connection's view of the limiter. */
export class DnsClient {
  readonly queue: Job[] = [];
  inFlight = 0;
  gone = false;
  constructor(
    readonly limiter: DnsLimiter,
    readonly address: string,
  ) {}

  lookup(host: string): Promise<LookupOutcome> {
    return this.limiter.enqueue(this, host);
  }

  /** The connection is gone: drop what waits, forget what runs. */
  cancel(): void {
    if (this.gone) return;
    this.gone = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, kind: "cancelled" });
    this.limiter.forget(this);
  }
}

export class DnsLimiter {
  private inFlight = 0;
  private readonly perAddress = new Map<string, number>();
  /** Connections with queued lookups, in turn order. */
  private readonly waiting: DnsClient[] = [];

  constructor(
    private readonly lookupFn: LookupFn,
    readonly limits: DnsLimits,
  ) {}

  client(address: string): DnsClient {
    return new DnsClient(this, address);
  }

  /** Lookups running now (for stats and tests). */
  get running(): number {
    return this.inFlight;
  }

  enqueue(client: DnsClient, host: string): Promise<LookupOutcome> {
    if (client.gone) return Promise.resolve({ ok: false, kind: "cancelled" });
    if (client.queue.length >= this.limits.maxQueuedPerConnection) return Promise.resolve({ ok: false, kind: "throttled" });
    return new Promise((resolve) => {
      client.queue.push({ host, resolve });
      if (!this.waiting.includes(client)) this.waiting.push(client);
      this.schedule();
    });
  }

  forget(client: DnsClient): void {
    const i = this.waiting.indexOf(client);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  private canRun(c: DnsClient): boolean {
    return (
      c.inFlight < this.limits.maxInFlightPerConnection &&
      (this.perAddress.get(c.address) ?? 0) < this.limits.maxInFlightPerAddress
    );
  }

  private schedule(): void {
    // Round robin: take the first waiting connection that may run, run one of its
    // lookups, move it to the back of the line.
    let scanned = 0;
    while (this.inFlight < this.limits.maxInFlight && scanned < this.waiting.length) {
      const c = this.waiting.shift()!;
      if (c.queue.length === 0 || c.gone) {
        scanned = 0;
        continue;
      }
      if (!this.canRun(c)) {
        this.waiting.push(c);
        scanned++;
        continue;
      }
      scanned = 0;
      this.run(c, c.queue.shift()!);
      if (c.queue.length > 0) this.waiting.push(c);
    }
  }

  private run(c: DnsClient, job: Job): void {
    this.inFlight++;
    c.inFlight++;
    this.perAddress.set(c.address, (this.perAddress.get(c.address) ?? 0) + 1);
    let settled = false;
    const finish = (outcome: LookupOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.inFlight--;
      c.inFlight--;
      const n = (this.perAddress.get(c.address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(c.address);
      else this.perAddress.set(c.address, n);
      job.resolve(c.gone ? { ok: false, kind: "cancelled" } : outcome);
      this.schedule();
    };
    const timer = setTimeout(() => finish({ ok: false, kind: "timeout" }), this.limits.timeoutMs);
    this.lookupFn(job.host).then(
      (found) => finish({ ok: true, addresses: found.map((f) => f.address) }),
      (err: unknown) => finish({ ok: false, kind: "failed", code: (err as NodeJS.ErrnoException)?.code ?? "error" }),
    );
  }
}
