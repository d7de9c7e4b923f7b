// The virtual Ethernet cable between two interfaces, and the taps (pcap) that watch it.
import type { Netif } from "./netif.js";

export type FrameTap = (frame: Uint8Array, from: Netif, timeMs: number) => void;

/** A virtual Ethernet cable: what one end sends, the other receives, a microtask later
 *  (never inside the sender's C call). An optional tap sees every frame (pcap). */
export class VirtualLink implements Disposable {
  readonly a: Netif;
  readonly b: Netif;
  #taps = new Set<FrameTap>();
  #queue: [Netif, Uint8Array][] = [];
  #flushQueued = false;
  #closed = false;

  constructor(a: Netif, b: Netif) {
    this.a = a;
    this.b = b;
    a.onFrame((frame) => this.#send(a, b, frame));
    b.onFrame((frame) => this.#send(b, a, frame));
  }

  /** A tap sees every frame from now on. Checksums are turned on at both ends (an
   *  uncaptured in-memory link may run without them), so a capture shows valid ones. */
  addTap(tap: FrameTap): () => void {
    this.#taps.add(tap);
    for (const end of [this.a, this.b]) end.setChecksums(true);
    return () => this.#taps.delete(tap);
  }

  #send(from: Netif, to: Netif, frame: Uint8Array): void {
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
