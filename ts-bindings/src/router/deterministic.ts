// Deterministic mode for the network side: a virtual clock that moves only when its owner
// advances it (never with wall time), and seeded randomness. Given to the router stack,
// two runs with the same seed that receive the same frames send the same frames back:
// ISNs, ports and timers no longer depend on the host.

import type { StackClock } from "../device/stack.js";

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
}

/** Virtual milliseconds. Timers set on it run when `advance` passes their due time, in due
 *  order (ties in the order they were set), each with `now()` at its due time. */
export class VirtualClock implements StackClock {
  #now: number;
  #timers: Timer[] = [];
  #seq = 0;
  /** Unix seconds at virtual time 0 (certificate checks, if a stack asks). */
  readonly epochS: number;

  constructor(options: { startMs?: number; epochS?: number } = {}) {
    this.#now = options.startMs ?? 0;
    this.epochS = options.epochS ?? 1_767_225_600; // 2026-01-01T00:00:00Z
  }

  now(): number {
    return this.#now;
  }

  wallTimeS(): number {
    return this.epochS + Math.floor(this.#now / 1000);
  }

  setTimer(fn: () => void, delayMs: number): unknown {
    const t: Timer = { due: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(t);
    return t;
  }

  clearTimer(handle: unknown): void {
    const i = this.#timers.indexOf(handle as Timer);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** When the next timer is due, or undefined when none is set. */
  nextTimer(): number | undefined {
    const t = this.#earliest();
    return t?.due;
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /** Moves time to `target`, running every timer due by then (and those they set). */
  advanceTo(target: number): void {
    if (!(target >= this.#now)) throw new RangeError(`a virtual clock does not go back (${target} < ${this.#now})`);
    for (let t = this.#earliest(); t && t.due <= target; t = this.#earliest()) {
      this.clearTimer(t);
      this.#now = Math.max(this.#now, t.due);
      t.fn();
    }
    this.#now = target;
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}

/** A seeded generator (xoshiro128**, seeded through splitmix32) filling byte buffers: the
 *  same seed gives the same bytes. Not for secrets: deterministic runs only. */
export function seededRandom(seed: number): (buf: Uint8Array) => void {
  if (!Number.isInteger(seed)) throw new RangeError(`a seed is an integer, not ${seed}`);
  let x = seed >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return result;
  };
  return (buf) => {
    for (let i = 0; i < buf.length; i += 4) {
      const v = next();
      for (let k = 0; k < 4 && i + k < buf.length; k++) buf[i + k] = (v >>> (8 * k)) & 255;
    }
  };
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0;
}
