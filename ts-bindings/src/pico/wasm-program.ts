// A WASM Pico program in this process, in any runtime (Node or a browser page): the
// emscripten factory of its glue and its .wasm, the host seam
// (native/pico-sdk/src/host/library_pico.js calls `picoHost`), and the program's Wi-Fi
// netif as a LinkEnd on the network's LAN. main() runs under ASYNCIFY: each wait unwinds
// to this event loop and is resumed by a timer, a frame or stdin.
//
// Only web APIs here (crypto.getRandomValues, performance, timers); where the glue and
// the bytes come from is the caller's: wasm-node.ts reads files, wasm-web.ts fetches URLs.
import { fillRandom } from "../bytes.js";
import { LmwError } from "../errors.js";
import { parseMac } from "../link/netif.js";
import { formatMac, type LinkEnd } from "../link/link-end.js";
import type { Network } from "../network.js";
import { gpioEvent, HOST_CFG, OutputTail, type PicoExit, type PicoRunOptions } from "./program.js";

/** Frames queued for a program that is not reading, beyond which new ones are dropped. */
const MAX_RX_FRAMES = 256;

interface PicoHost {
  timeUs(): number;
  wallTimeS(): number;
  random(buf: Uint8Array): void;
  linkSend(frame: Uint8Array): void;
  linkRecv(): Uint8Array | undefined;
  wait(untilUs: number, wakeOnInput: boolean, wakeUp: () => void): void;
  getchar(): number;
  config(key: number): string | undefined;
  gpio(pin: number, value: number): void;
  keylog(line: string): void;
  aborting(): void;
}

interface ProgramModule {
  ccall(name: string, ret: string, types: string[], args: unknown[], opts: { async: boolean }): Promise<number>;
}

/** The MODULARIZE factory a program's glue defines (-sEXPORT_NAME in wasm/flags.cmake). */
export type PicoFactory = (options: Record<string, unknown>) => Promise<ProgramModule>;

/** A program ready to instantiate: its glue's factory and its module (bytes, or compiled). */
export interface LoadedPicoModule {
  factory: PicoFactory;
  wasm: Uint8Array | WebAssembly.Module;
  /** For messages: the file or URL it came from. */
  name: string;
}

/** Runs `fn` after the current task, before timers where the runtime allows: Node's
 *  setImmediate, else a MessageChannel message (setTimeout(0) is clamped to 4 ms once
 *  nested, which a program waking per frame would pay on every frame). */
const soon: (fn: () => void) => void = (() => {
  if (typeof setImmediate === "function") return (fn: () => void) => void setImmediate(fn);
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  return (fn: () => void) => {
    queue.push(fn);
    channel.port2.postMessage(0);
  };
})();

const textEncoder = new TextEncoder();
let nextId = 1;

export class WasmProgram implements LinkEnd {
  readonly mac: Uint8Array;
  readonly id = nextId++;
  #options: PicoRunOptions;
  #handler: ((frame: Uint8Array) => void) | undefined;
  #rx: Uint8Array[] = [];
  /** Input not yet read: whole chunks, the first read from #stdinAt on. */
  #stdin: Uint8Array[] = [];
  #stdinAt = 0;
  #onStdin: ((chunk: Uint8Array | string) => void) | undefined;
  #pending: { wakeOnInput: boolean; fire: () => void } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #t0 = performance.now();
  readonly tail = new OutputTail();

  constructor(options: PicoRunOptions, mac: string) {
    this.#options = options;
    this.mac = parseMac(mac);
    if (options.stdin) {
      this.#onStdin = (chunk) => {
        const bytes = typeof chunk === "string" ? textEncoder.encode(chunk) : chunk.slice();
        if (bytes.length) this.#stdin.push(bytes);
        this.#inputArrived();
      };
      options.stdin.on("data", this.#onStdin);
    }
  }

  input(frame: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#rx.length >= MAX_RX_FRAMES) return; /* dropped, as a full NIC queue drops */
    this.#rx.push(frame.slice());
    this.#options.deterministic?.clock.delivered(this.id);
    this.#inputArrived();
  }

  onFrame(handler: ((frame: Uint8Array) => void) | undefined): void {
    this.#handler = handler;
  }

  #inputArrived(): void {
    const p = this.#pending;
    if (p?.wakeOnInput && !this.#options.deterministic) soon(p.fire);
  }

  #host(): PicoHost {
    const o = this.#options;
    const clock = o.deterministic?.clock;
    return {
      timeUs: () => (clock ? clock.now() : (performance.now() - this.#t0) * 1000),
      wallTimeS: () => (clock ? 1767225600 : Date.now() / 1000),
      random: fillRandom,
      linkSend: (frame) => this.#handler?.(frame),
      linkRecv: () => this.#rx.shift(),
      wait: (untilUs, wakeOnInput, wakeUp) => this.#wait(untilUs, wakeOnInput, wakeUp),
      getchar: () => this.#getchar(),
      config: (key) => {
        if (key === HOST_CFG.SSID) return o.ssid;
        if (key === HOST_CFG.PASSWORD) return o.ssid === undefined ? undefined : (o.password ?? "");
        if (key === HOST_CFG.SEED) return o.deterministic ? String(o.deterministic.seed) : undefined;
        if (key === HOST_CFG.MAC) return formatMac(this.mac);
        if (key === HOST_CFG.KEYLOG) return o.onKeyLog ? "1" : undefined;
        if (key === HOST_CFG.RANDOM_SOURCE) return "crypto.getRandomValues (the JavaScript runtime's CSPRNG)"; // random() above
        return undefined;
      },
      gpio: (pin, value) => gpioEvent(o, pin, value !== 0),
      keylog: (line) => o.onKeyLog?.(line),
      aborting: () => {},
    };
  }

  #getchar(): number {
    const chunk = this.#stdin[0];
    if (!chunk) return -1;
    const c = chunk[this.#stdinAt++]!;
    if (this.#stdinAt === chunk.length) {
      this.#stdin.shift();
      this.#stdinAt = 0;
    }
    return c;
  }

  #wait(untilUs: number, wakeOnInput: boolean, wakeUp: () => void): void {
    if (this.#stopped) return; // never resumed: the program is abandoned
    const clock = this.#options.deterministic?.clock;
    if (clock) {
      let woken = false;
      clock.sleep(this.id, untilUs, wakeOnInput, () => {
        if (woken || this.#stopped) return;
        woken = true;
        soon(wakeUp);
      });
      return;
    }
    if (wakeOnInput && (this.#rx.length > 0 || this.#stdin.length > 0)) {
      wakeUp(); // at once: no unwinding
      return;
    }
    let fired = false;
    const fire = () => {
      if (fired || this.#stopped) return;
      fired = true;
      clearTimeout(this.#timer);
      this.#pending = undefined;
      wakeUp();
    };
    this.#pending = { wakeOnInput, fire };
    const ms = Math.max(0, (untilUs - (performance.now() - this.#t0) * 1000) / 1000);
    this.#timer = setTimeout(fire, Math.min(Math.ceil(ms), 2 ** 31 - 1));
  }

  /** Loads the program (`load`) and runs main(); settles when main returns, exit() is
   *  called, the program traps (ERR_PICO_TRAP with its last output lines) or `stop` is
   *  called. */
  async run(load: () => Promise<LoadedPicoModule>): Promise<PicoExit> {
    // Registered with the deterministic clock before any await: while this program loads,
    // the clock must not move the others on (a slower load would change who asks first).
    const clock = this.#options.deterministic?.clock;
    clock?.started(this.id);
    try {
      return await this.#run(load);
    } finally {
      this.stop();
    }
  }

  async #run(load: () => Promise<LoadedPicoModule>): Promise<PicoExit> {
    const { factory, wasm, name } = await load();
    const o = this.#options;
    const stderr = o.stderr ?? ((t: string) => console.error(t.replace(/\n$/, "")));
    let exitStatus: number | undefined;
    let mod: ProgramModule;
    try {
      mod = await factory({
        // Bytes are compiled by the glue; a compiled module (the browser keeps one per
        // program, so a second run skips compiling) is instantiated here.
        ...(wasm instanceof WebAssembly.Module
          ? {
              instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
                void WebAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm));
                return {};
              },
            }
          : { wasmBinary: wasm }),
        picoHost: this.#host(),
        print: (line: string) => {
          this.tail.push(line + "\n");
          o.stdout?.(line + "\n");
        },
        printErr: (line: string) => stderr(line + "\n"),
        quit: (status: number, toThrow: unknown) => {
          exitStatus = status;
          throw toThrow;
        },
      });
    } catch (e) {
      throw new LmwError("ERR_PICO_START", `cannot instantiate ${name}: ${(e as Error).message}`, { layer: "api", cause: e });
    }
    const clock = o.deterministic?.clock;
    if (clock) {
      // main starts when the scheduler says (as a wait at time 0): one program at a time.
      await new Promise<void>((resolve) => clock.sleep(this.id, 0, false, resolve));
    }
    o.onStart?.();
    try {
      const code = await mod.ccall("main", "number", ["number", "number"], [0, 0], { async: true });
      return { exitCode: code & 0xff };
    } catch (e) {
      if (exitStatus !== undefined) return { exitCode: exitStatus & 0xff };
      const what = e instanceof Error ? e.message : String(e);
      throw new LmwError("ERR_PICO_TRAP", `the program stopped: ${what}\nlast output:\n${this.tail}`, { layer: "api", cause: e });
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#pending = undefined;
    if (this.#onStdin) this.#options.stdin?.off?.("data", this.#onStdin);
    this.#onStdin = undefined;
    this.#options.deterministic?.clock.leave(this.id);
  }
}

/** Runs a loaded program on `network`'s LAN until main returns, it traps, or
 *  options.signal aborts it (ERR_ABORTED). `load` is awaited after the program has
 *  registered with a deterministic clock (see WasmProgram.run). */
export async function runWasmProgram(
  network: Network,
  load: () => Promise<LoadedPicoModule>,
  options: PicoRunOptions,
  mac: string,
): Promise<PicoExit> {
  const program = new WasmProgram(options, mac);
  const attachment = network.attach(program);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      program.stop();
      reject(new LmwError("ERR_ABORTED", "the program was stopped", { layer: "api", cause: options.signal?.reason }));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([program.run(load), aborted]);
  } finally {
    if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    attachment.detach();
  }
}
