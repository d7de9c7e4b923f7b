// What a running Pico program looks like to the runner, whichever its kind (a WASM program
// module in this process, or a native executable as a child): the options it is given,
// how it ends, and the last lines of its output (a trap's error shows them). Nothing here
// is Node's: the browser's runner (wasm-web.ts) takes the same options.

/** How a program ended. `exitCode` is main's return value (or exit()'s argument). */
export interface PicoExit {
  exitCode: number;
}

export interface PicoRunOptions {
  /** The program's stdout, as it prints it (default: discarded). */
  stdout?: (text: string) => void;
  /** Diagnostics of the program's runtime (a native child's stderr), default process.stderr. */
  stderr?: (text: string) => void;
  /** The program's stdin (getchar_timeout_us): a Node Readable (process.stdin), a
   *  PicoInput the caller writes into (a terminal in a page), or anything with on("data"). */
  stdin?: PicoStdin;
  /** The Wi-Fi LED (CYW43_WL_GPIO_LED_PIN) turned on or off. */
  onLed?: (on: boolean) => void;
  /** Any other output pin: RP2040 GPIO 0-29, or the Wi-Fi chip's 64 + n. */
  onGpio?: (pin: number, value: boolean) => void;
  /** The TLS key log: one NSS key log line (Wireshark's format, no newline) per secret of
   *  every TLS connection the program makes or accepts. Unset: the program exports none. */
  onKeyLog?: (line: string) => void;
  /** main() is about to run: the program is loaded (WASM: instantiated; native: spawned). */
  onStart?: () => void;
  /** Stops the program; runPicoProgram then rejects with ERR_ABORTED. */
  signal?: AbortSignal;
  /** The simulated access point. Without `ssid` it accepts any SSID and password. */
  ssid?: string;
  password?: string;
  /** The program's MAC (default: 28:cd:c1:00:00:NN, one per program in this process). */
  mac?: string;
  /** Deterministic mode: seeded randomness in the program and a virtual clock that the
   *  given scheduler advances (see deterministic.ts). */
  deterministic?: { seed: number; clock: VirtualClock };
}

/** The virtual clock of deterministic mode, shared by every program on one network. */
export interface VirtualClock {
  /** Current virtual time, microseconds. */
  now(): number;
  /** The program sleeps until `untilUs` (wakes early on input when `wakeOnInput`); `wake`
   *  is called once the network is quiet and the clock has moved. */
  sleep(id: number, untilUs: number, wakeOnInput: boolean, wake: () => void): void;
  /** A frame reached program `id` (a program asleep with wakeOnInput wakes). */
  delivered(id: number): void;
  /** The program started (it runs until its first sleep). */
  started(id: number): void;
  /** The program is gone. */
  leave(id: number): void;
}

/** What a program's stdin must offer: "data" events of bytes or text. A Node Readable
 *  fits, and so does PicoInput. */
export interface PicoStdin {
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  off?(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
}

/** A stdin the caller pushes bytes or text into (what a terminal types), in any runtime. */
export class PicoInput implements PicoStdin {
  #listeners = new Set<(chunk: Uint8Array | string) => void>();

  /** Sends `data` to the program (UTF-8 for text); read with getchar_timeout_us. */
  write(data: Uint8Array | string): void {
    for (const l of this.#listeners) l(data);
  }

  on(_event: "data", listener: (chunk: Uint8Array | string) => void): this {
    this.#listeners.add(listener);
    return this;
  }

  off(_event: "data", listener: (chunk: Uint8Array | string) => void): this {
    this.#listeners.delete(listener);
    return this;
  }
}

/** pico_host_config keys (native/pico-sdk/src/host/include/pico_host.h). */
export const HOST_CFG = { SSID: 1, PASSWORD: 2, SEED: 3, MAC: 4, KEYLOG: 5, RANDOM_SOURCE: 6 } as const;
/** The Wi-Fi chip's pins as the host seam numbers them (pico_host_gpio). */
export const WL_GPIO_BASE = 64;

let nextMac = 1;

/** Raspberry Pi's OUI, then a counter: a distinct MAC per program of this process. */
export function allocateMac(): string {
  const n = nextMac++;
  return `28:cd:c1:00:${((n >> 8) & 0xff).toString(16).padStart(2, "0")}:${(n & 0xff).toString(16).padStart(2, "0")}`;
}

/** Keeps the last lines of a program's output, for the error of a trap. */
export class OutputTail {
  #lines: string[] = [];
  #partial = "";
  constructor(readonly max = 20) {}

  push(text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() ?? "";
    this.#lines.push(...parts);
    if (this.#lines.length > this.max) this.#lines.splice(0, this.#lines.length - this.max);
  }

  toString(): string {
    const lines = this.#partial ? [...this.#lines, this.#partial] : this.#lines;
    return lines.length ? lines.map((l) => `  | ${l}`).join("\n") : "  (no output)";
  }
}

/** Routes a pin change to onLed / onGpio. */
export function gpioEvent(options: PicoRunOptions, pin: number, value: boolean): void {
  if (pin === WL_GPIO_BASE) options.onLed?.(value);
  options.onGpio?.(pin, value);
}
