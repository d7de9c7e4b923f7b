// The one shape every Ethernet port has: a library stack's Netif, a Pico program's cyw43
// netif, a native program or a QEMU guest behind a stream socket. Cables (VirtualLink)
// and the switch (Switch) join LinkEnds, so any of them can share a LAN with the router.

export interface LinkEnd {
  /** The end's MAC address (6 bytes): the switch learns where it is from its frames. */
  readonly mac: Uint8Array;
  /** A frame arriving at this end. The end copies what it keeps and never changes `frame`
   *  (a flooded frame is handed to several ends). */
  input(frame: Uint8Array): void;
  /** Frames this end sends go to `handler` (undefined: nowhere). The handler keeps the
   *  frame, so the end must not reuse its buffer. */
  onFrame(handler: ((frame: Uint8Array) => void) | undefined): void;
  /** Ends that may skip checksums on an uncaptured in-memory link (a library Netif) turn
   *  them on when a tap starts watching, so a capture shows valid ones. */
  setChecksums?(on: boolean): void;
}

/** Sees every frame on a link or LAN: the frame, the end that sent it, wall-clock ms. */
export type FrameTap = (frame: Uint8Array, from: LinkEnd, timeMs: number) => void;

/** "52:54:00:12:34:56" for 6 bytes. */
export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");
}
