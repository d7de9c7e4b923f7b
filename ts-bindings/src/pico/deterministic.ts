// Deterministic mode: one virtual clock for every program on a network, and a scheduler
// that runs one program at a time. A program runs until it waits; once nothing runs and
// every frame has landed, the scheduler wakes the lowest-numbered program that has input
// (if it waits for input), else moves the clock to the earliest deadline and wakes that
// program. With seeded randomness in the programs (C, host_common.c), two runs with the
// same seed put the same frames on the LAN in the same order - natively and in WASM.
import type { VirtualClock } from "./program.js";

interface Sleeper {
  until: number;
  wakeOnInput: boolean;
  wake: () => void;
}

export class Scheduler implements VirtualClock {
  #now = 0;
  #sleeping = new Map<number, Sleeper>();
  #ready = new Set<number>();
  #running = new Set<number>();
  #checkQueued = false;

  now(): number {
    return this.#now;
  }

  sleep(id: number, untilUs: number, wakeOnInput: boolean, wake: () => void): void {
    this.#running.delete(id);
    this.#sleeping.set(id, { until: untilUs, wakeOnInput, wake });
    // Input that arrived while it ran wakes it at once (in turn); otherwise it is not ready.
    if (!(wakeOnInput && this.#ready.has(id))) this.#ready.delete(id);
    this.#queueCheck();
  }

  delivered(id: number): void {
    const s = this.#sleeping.get(id);
    if (s?.wakeOnInput || (!s && this.#running.has(id))) this.#ready.add(id);
    this.#queueCheck();
  }

  leave(id: number): void {
    this.#sleeping.delete(id);
    this.#ready.delete(id);
    this.#running.delete(id);
    this.#queueCheck();
  }

  /** A program that has started but not yet waited (it runs). */
  started(id: number): void {
    this.#running.add(id);
  }

  #queueCheck(): void {
    if (this.#checkQueued) return;
    this.#checkQueued = true;
    // After the frames now in flight land (microtasks, then I/O callbacks).
    setImmediate(() => setImmediate(() => {
      this.#checkQueued = false;
      this.#step();
    }));
  }

  #step(): void {
    if (this.#running.size > 0) return;
    const ready = [...this.#ready].filter((id) => this.#sleeping.has(id)).sort((a, b) => a - b);
    let id = ready[0];
    if (id === undefined) {
      let best: [number, Sleeper] | undefined;
      for (const [i, s] of [...this.#sleeping].sort((a, b) => a[0] - b[0])) {
        if (!best || s.until < best[1].until) best = [i, s];
      }
      if (!best || best[1].until >= 1e300) return; // everyone waits forever
      id = best[0];
      if (best[1].until > this.#now) this.#now = Math.round(best[1].until);
    }
    const s = this.#sleeping.get(id)!;
    this.#sleeping.delete(id);
    this.#ready.delete(id);
    this.#running.add(id);
    s.wake();
  }
}
