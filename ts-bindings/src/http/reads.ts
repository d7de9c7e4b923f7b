// Reads from a pooled connection with a deadline: the response head's (one timer and one
// abort listener per read; few reads) and the body's (BodyReads: one timer for them all).
import type { LmwError } from "../errors.js";
import type { Connection } from "./pool.js";

/** The body's idle deadline: one timer for all of a body's reads (re-armed only when it
 *  fires while bytes have come since), and no abort listener per read (the body has one).
 *  Measured: a timer and a listener per 16 KiB read were ~20% of a download's JS time. */
export class BodyReads {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0;
  #reading = false;
  #reject: ((e: unknown) => void) | undefined;
  readonly #stopped: Promise<never>;

  constructor(
    private readonly conn: Connection,
    private readonly ms: number,
    private readonly timeoutError: () => LmwError,
  ) {
    this.#stopped = new Promise<never>((_, reject) => (this.#reject = reject));
    this.#stopped.catch(() => {});
  }

  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.ms > 0) {
      this.#deadline = performance.now() + this.ms;
      this.#timer ??= setTimeout(this.#check, this.ms);
    }
    this.#reading = true;
    try {
      return await Promise.race([this.conn.read(), this.#stopped]);
    } finally {
      this.#reading = false;
    }
  }

  #check = (): void => {
    this.#timer = undefined;
    if (!this.#reading) return; // the consumer is not pulling: not idle; the next read re-arms
    const left = this.#deadline - performance.now();
    if (left > 0) {
      this.#timer = setTimeout(this.#check, left);
      return;
    }
    const e = this.timeoutError();
    this.conn.destroy(e);
    this.#reject?.(e);
  };

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Races a connection read against a deadline and the abort signal; either destroys the connection. */
export async function readWithin(
  conn: Connection,
  ms: number,
  timeoutError: () => LmwError,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  signal.throwIfAborted();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (ms > 0) {
      timer = setTimeout(() => {
        const e = timeoutError();
        conn.destroy(e);
        reject(e);
      }, ms);
    }
    onAbort = () => {
      conn.destroy(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([conn.read(), stop]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort!);
  }
}
