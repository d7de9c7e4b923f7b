// A learning Ethernet switch: any number of LinkEnds on one LAN (the router, the library's
// device, Pico programs, native programs over a stream socket). It learns which port each
// source MAC lives behind, sends a frame only there once known, and floods broadcast,
// multicast and unknown destinations to every other port. Taps see every frame (pcap).
//
// Delivery is the VirtualLink's (FrameQueue): a frame sent is delivered a microtask later
// (never inside the sender's call into C), queued frames a batch at a time, in order.
import { FrameQueue } from "./frame-queue.js";
import type { FrameTap, LinkEnd } from "./link-end.js";

interface Port {
  readonly end: LinkEnd;
  attached: boolean;
}

/** A MAC address as a number (48 bits fit a double exactly), for the learning table. */
function macKey(frame: Uint8Array, off: number): number {
  return (frame[off]! * 2 ** 40) + (frame[off + 1]! * 2 ** 32) +
    ((frame[off + 2]! << 24) >>> 0) + (frame[off + 3]! << 16) + (frame[off + 4]! << 8) + frame[off + 5]!;
}

/** How many MAC addresses the switch remembers (a LAN of programs has a handful). */
const MAX_LEARNED = 1024;

export class Switch implements Disposable {
  #ports = new Set<Port>();
  #learned = new Map<number, Port>();
  #taps = new Set<FrameTap>();
  #frames = new FrameQueue<Port>((from, frame) => {
    if (from.attached) this.#forward(from, frame);
  });
  #closed = false;

  /** Puts `end` on the LAN; `detach()` takes it off (its frames still queued are dropped). */
  attach(end: LinkEnd): { detach(): void } {
    if (this.#closed) throw new Error("the switch is disposed");
    for (const p of this.#ports) {
      if (p.end === end) throw new Error("this LinkEnd is already attached");
    }
    const port: Port = { end, attached: true };
    this.#ports.add(port);
    if (this.#taps.size > 0) end.setChecksums?.(true); // a capture shows valid checksums
    end.onFrame((frame) => this.#send(port, frame));
    return { detach: () => this.#detach(port) };
  }

  #detach(port: Port): void {
    if (!port.attached) return;
    port.attached = false;
    port.end.onFrame(undefined);
    this.#ports.delete(port);
    for (const [mac, p] of this.#learned) {
      if (p === port) this.#learned.delete(mac);
    }
  }

  /** The ends on the LAN now. */
  get ends(): LinkEnd[] {
    return [...this.#ports].map((p) => p.end);
  }

  /** A tap sees every frame from now on. Checksums are turned on for every end on the
   *  LAN that may skip them (and for ends attached later), so a capture shows valid ones. */
  addTap(tap: FrameTap): () => void {
    this.#taps.add(tap);
    for (const port of this.#ports) port.end.setChecksums?.(true);
    return () => this.#taps.delete(tap);
  }

  #send(from: Port, frame: Uint8Array): void {
    if (this.#closed || !from.attached || frame.length < 14) return;
    for (const tap of this.#taps) tap(frame, from.end, Date.now());
    this.#frames.push(from, frame);
  }

  #forward(from: Port, frame: Uint8Array): void {
    if ((frame[6]! & 1) === 0) this.#learn(macKey(frame, 6), from);
    if ((frame[0]! & 1) === 0) {
      const to = this.#learned.get(macKey(frame, 0));
      if (to) {
        if (to !== from) to.end.input(frame);
        return;
      }
    }
    // Broadcast, multicast or not yet learned: every other port.
    for (const port of [...this.#ports]) {
      if (port !== from && port.attached && !this.#closed) port.end.input(frame);
    }
  }

  #learn(mac: number, port: Port): void {
    if (this.#learned.get(mac) === port) return;
    this.#learned.delete(mac);
    if (this.#learned.size >= MAX_LEARNED) this.#learned.delete(this.#learned.keys().next().value!);
    this.#learned.set(mac, port);
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames.close();
    for (const port of [...this.#ports]) this.#detach(port);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
