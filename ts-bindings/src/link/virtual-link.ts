// The virtual Ethernet cable between two interfaces, and the taps (pcap) that watch it.
import { FrameQueue } from "./frame-queue.js";
import type { FrameTap, LinkEnd } from "./link-end.js";

export type { FrameTap };

/** A virtual Ethernet cable: what one end sends, the other receives, a microtask later
 *  (never inside the sender's C call). An optional tap sees every frame (pcap). */
export class VirtualLink implements Disposable {
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  #taps = new Set<FrameTap>();
  #frames = new FrameQueue<LinkEnd>((to, frame) => to.input(frame));
  #closed = false;

  constructor(a: LinkEnd, b: LinkEnd) {
    this.a = a;
    this.b = b;
    a.onFrame((frame) => this.#send(a, b, frame));
    b.onFrame((frame) => this.#send(b, a, frame));
  }

  /** A tap sees every frame from now on. Checksums are turned on at both ends (an
   *  uncaptured in-memory link may run without them), so a capture shows valid ones. */
  addTap(tap: FrameTap): () => void {
    this.#taps.add(tap);
    for (const end of [this.a, this.b]) end.setChecksums?.(true);
    return () => this.#taps.delete(tap);
  }

  #send(from: LinkEnd, to: LinkEnd, frame: Uint8Array): void {
    if (this.#closed) return;
    for (const tap of this.#taps) tap(frame, from, Date.now());
    this.#frames.push(to, frame);
  }

  dispose(): void {
    this.#closed = true;
    this.#frames.close();
    this.a.onFrame(undefined);
    this.b.onFrame(undefined);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
