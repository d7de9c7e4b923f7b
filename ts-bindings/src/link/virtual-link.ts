// The virtual Ethernet cable between two interfaces, and the taps (pcap) that watch it.
import type { FrameTap, LinkEnd } from "./link-end.js";

export type { FrameTap };

/** A virtual Ethernet cable: what one end sends, the other receives, a microtask later
 *  (never inside the sender's C call). An optional tap sees every frame (pcap). */
export class VirtualLink implements Disposable {
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  #taps = new Set<FrameTap>();
  #queue: [LinkEnd, Uint8Array][] = [];
  #flushQueued = false;
  #closed = false;

  constructor(a: LinkEnd, b: LinkEnd) {
    this.a = a;
    this.b = b;
    a.onFrame((frame) => this.#send(a, b, frame));
    b.onFrame((frame) => this.#send(b, a, frame));
  }

  addTap(tap: FrameTap): () => void {
    this.#taps.add(tap);
    return () => this.#taps.delete(tap);
  }

  #send(from: LinkEnd, to: LinkEnd, frame: Uint8Array): void {
    if (this.#closed) return;
    for (const tap of this.#taps) tap(frame, from, Date.now());
    this.#queue.push([to, frame]);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    // Frames produced while delivering are delivered in this same loop, in order (a batch
    // at a time: shift() on a long queue would move every frame behind it each time).
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue;
      this.#queue = [];
      for (const [to, frame] of batch) {
        if (this.#closed) break;
        to.input(frame);
      }
    }
  }

  dispose(): void {
    this.#closed = true;
    this.#queue = [];
    this.a.onFrame(undefined);
    this.b.onFrame(undefined);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
