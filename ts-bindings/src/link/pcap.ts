// Packet captures Wireshark opens: classic pcap (LINKTYPE_ETHERNET), one record per frame
// on the device's link, and the TLS key log (NSS format) to decrypt them.
import { decodeFrame } from "./decode/frame.js";
import type { FrameTap } from "./link-end.js";

const LINKTYPE_ETHERNET = 1;

export class PcapWriter {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  readonly maxBytes: number;
  #dropped = 0;

  /** Keeps at most `maxBytes` of capture (later frames are counted as dropped). */
  constructor(maxBytes = 64 * 1024 * 1024) {
    this.maxBytes = maxBytes;
    const h = new DataView(new ArrayBuffer(24));
    h.setUint32(0, 0xa1b2c3d4, true); // magic, microsecond timestamps
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setUint32(16, 65535, true); // snaplen
    h.setUint32(20, LINKTYPE_ETHERNET, true);
    this.#push(new Uint8Array(h.buffer));
  }

  #push(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#bytes += b.length;
  }

  /** A tap for VirtualLink.addTap / NetworkOptions.onFrame. */
  readonly tap: FrameTap = (frame, _from, timeMs) => this.add(frame, timeMs);

  add(frame: Uint8Array, timeMs = Date.now()): void {
    if (this.#bytes + 16 + frame.length > this.maxBytes) {
      this.#dropped++;
      return;
    }
    const rec = new Uint8Array(16 + frame.length);
    const dv = new DataView(rec.buffer);
    const us = Math.round(timeMs * 1000);
    dv.setUint32(0, Math.floor(us / 1e6), true);
    dv.setUint32(4, us % 1e6, true);
    dv.setUint32(8, frame.length, true);
    dv.setUint32(12, frame.length, true);
    rec.set(frame, 16);
    this.#push(rec);
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** The capture so far, as one .pcap file. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Collects NSS key log lines (the `keylog` log source of a stack). */
export class KeyLog {
  readonly lines: string[] = [];
  add(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.length ? this.lines.join("\n") + "\n" : "";
  }
}

/** A one-line summary of an Ethernet frame (for logs; the layers are in decode/frame.ts). */
export function summarizeFrame(f: Uint8Array): string {
  return decodeFrame(f).summary;
}
