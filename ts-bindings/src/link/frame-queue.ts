// How a cable and the switch deliver: a frame sent is handed on a microtask later (never
// inside the sender's call into C), in order; frames sent while delivering join the same
// loop. A batch at a time: shift() on a long queue would move every frame behind it.

export class FrameQueue<T> {
  readonly #deliver: (target: T, frame: Uint8Array) => void;
  #queue: [T, Uint8Array][] = [];
  #flushQueued = false;
  #closed = false;

  constructor(deliver: (target: T, frame: Uint8Array) => void) {
    this.#deliver = deliver;
  }

  push(target: T, frame: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push([target, frame]);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue;
      this.#queue = [];
      for (const [target, frame] of batch) {
        if (this.#closed) break;
        this.#deliver(target, frame);
      }
    }
  }

  /** Drops what is queued; nothing is delivered after. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
  }
}
