// How the byte limits are enforced (the numbers are in options.ts):
//
// - A stream whose queue to its target passes streamBufferBytes gets CONTINUE 0 (no more
//   credit) until it drains below half; a client that ignores credit passes the
//   connection limit below and is stopped there.
// - A connection holding more than connectionBufferBytes, or with one stream over
//   its stream limit, is paused: the shim stops reading its WebSocket (the bytes wait in
//   the client's and the kernel's buffers) until it is under half again. Bytes it sent
//   us that draw replies (CLOSE for unknown streams, pongs) count as output it has not
//   read yet (each message + MESSAGE_OVERHEAD); past twice highWaterMark of unread
//   output the connection is paused too, so a peer that never reads stops being read,
//   and stops growing memory.
// - A paused connection must make progress (bytes flushed to the client or to a
//   target) within one keep-alive tick. If it does not: a client that does not read is
//   dropped; a stream whose target does not read is closed with 0x47, which frees the
//   rest of the connection.
// - Overall: when all connections together hold more than totalBufferBytes, the one
//   holding the most is dropped (WebSocket close 1008).

/** What one queued outgoing message costs beyond its bytes (ws's frame, Buffer and
 *  callback), so that a flood of tiny replies is not counted as nearly free. */
export const MESSAGE_OVERHEAD = 64;

/** The process-wide byte count. */
export class Budget {
  total = 0;
  constructor(
    readonly limit: number,
    private readonly onOver: () => void,
  ) {}

  add(n: number): void {
    this.total += n;
    if (n > 0 && this.total > this.limit) this.onOver();
  }
}

/** Bytes a client frame of `n` payload bytes takes on the wire (masked, one frame). */
export function clientFrameBytes(n: number): number {
  return n + 2 + 4 + (n < 126 ? 0 : n < 65536 ? 2 : 8);
}
