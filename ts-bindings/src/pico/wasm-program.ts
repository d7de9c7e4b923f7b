// A WASM Pico program in this process: the emscripten glue beside the .wasm, the host seam
// (native/pico-sdk/src/host/library_pico.js calls `picoHost`), and the program's Wi-Fi
// netif as a LinkEnd on the network's LAN. main() runs under ASYNCIFY: each wait unwinds
// to this event loop and is resumed by a timer, a frame or stdin.
import { randomFillSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve as resolvePath } from "node:path";
import { compileFunction } from "node:vm";
import { LmwError } from "../errors.js";
import { parseMac } from "../link/netif.js";
import { formatMac, type LinkEnd } from "../link/link-end.js";
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

type Factory = (options: Record<string, unknown>) => Promise<ProgramModule>;

/** Evaluates the CommonJS glue (whatever the enclosing package's module type). */
async function loadFactory(gluePath: string): Promise<Factory> {
  const code = await readFile(gluePath, "utf8");
  const module = { exports: {} as unknown };
  const fn = compileFunction(code, ["module", "exports", "require", "__filename", "__dirname"], { filename: gluePath });
  fn(module, module.exports, createRequire(gluePath), gluePath, dirname(gluePath));
  const factory = module.exports as Factory;
  if (typeof factory !== "function") throw new Error(`${gluePath} is not a Pico program's glue (no factory)`);
  return factory;
}

let nextId = 1;

export class WasmProgram implements LinkEnd {
  readonly mac: Uint8Array;
  readonly id = nextId++;
  #options: PicoRunOptions;
  #handler: ((frame: Uint8Array) => void) | undefined;
  #rx: Uint8Array[] = [];
  #stdin: number[] = [];
  #pending: { wakeOnInput: boolean; fire: () => void } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #t0 = performance.now();
  readonly tail = new OutputTail();

  constructor(options: PicoRunOptions, mac: string) {
    this.#options = options;
    this.mac = parseMac(mac);
    options.stdin?.on("data", (chunk: Buffer) => {
      this.#stdin.push(...chunk);
      this.#inputArrived();
    });
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
    if (p?.wakeOnInput && !this.#options.deterministic) setImmediate(p.fire);
  }

  #host(): PicoHost {
    const o = this.#options;
    const clock = o.deterministic?.clock;
    return {
      timeUs: () => (clock ? clock.now() : (performance.now() - this.#t0) * 1000),
      wallTimeS: () => (clock ? 1767225600 : Date.now() / 1000),
      random: (buf) => {
        for (let i = 0; i < buf.length; i += 65536) randomFillSync(buf.subarray(i, Math.min(buf.length, i + 65536)));
      },
      linkSend: (frame) => this.#handler?.(frame),
      linkRecv: () => this.#rx.shift(),
      wait: (untilUs, wakeOnInput, wakeUp) => this.#wait(untilUs, wakeOnInput, wakeUp),
      getchar: () => this.#stdin.shift() ?? -1,
      config: (key) => {
        if (key === HOST_CFG.SSID) return o.ssid;
        if (key === HOST_CFG.PASSWORD) return o.ssid === undefined ? undefined : (o.password ?? "");
        if (key === HOST_CFG.SEED) return o.deterministic ? String(o.deterministic.seed) : undefined;
        if (key === HOST_CFG.MAC) return formatMac(this.mac);
        if (key === HOST_CFG.KEYLOG) return o.onKeyLog ? "1" : undefined;
        if (key === HOST_CFG.RANDOM_SOURCE) return "node:crypto randomFillSync (Node's CSPRNG)"; // random() above
        return undefined;
      },
      gpio: (pin, value) => gpioEvent(o, pin, value !== 0),
      keylog: (line) => o.onKeyLog?.(line),
      aborting: () => {},
    };
  }

  #wait(untilUs: number, wakeOnInput: boolean, wakeUp: () => void): void {
    if (this.#stopped) return; // never resumed: the program is abandoned
    const clock = this.#options.deterministic?.clock;
    if (clock) {
      let woken = false;
      clock.sleep(this.id, untilUs, wakeOnInput, () => {
        if (woken || this.#stopped) return;
        woken = true;
        setImmediate(wakeUp);
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

  /** Loads the program and runs main(); settles when main returns, exit() is called, the
   *  program traps (ERR_PICO_TRAP with its last output lines) or `stop` is called. */
  async run(wasmPath: string): Promise<PicoExit> {
    // Registered with the deterministic clock before any await: while this program loads,
    // the clock must not move the others on (a slower load would change who asks first).
    const clock = this.#options.deterministic?.clock;
    clock?.started(this.id);
    try {
      return await this.#run(wasmPath);
    } finally {
      this.stop();
    }
  }

  async #run(wasmPath: string): Promise<PicoExit> {
    const gluePath = resolvePath(wasmPath.replace(/\.wasm$/, ".js"));
    let factory: Factory;
    let wasmBinary: Uint8Array;
    try {
      [factory, wasmBinary] = await Promise.all([loadFactory(gluePath), readFile(wasmPath)]);
    } catch (e) {
      throw new LmwError("ERR_PICO_START", `cannot load ${wasmPath}: ${(e as Error).message}`, { layer: "api", cause: e });
    }
    const o = this.#options;
    let exitStatus: number | undefined;
    let mod: ProgramModule;
    try {
      mod = await factory({
        wasmBinary,
        picoHost: this.#host(),
        print: (line: string) => {
          this.tail.push(line + "\n");
          o.stdout?.(line + "\n");
        },
        printErr: (line: string) => (o.stderr ?? ((t: string) => process.stderr.write(t)))(line + "\n"),
        quit: (status: number, toThrow: unknown) => {
          exitStatus = status;
          throw toThrow;
        },
      });
    } catch (e) {
      throw new LmwError("ERR_PICO_START", `cannot instantiate ${wasmPath}: ${(e as Error).message}`, { layer: "api", cause: e });
    }
    const clock = o.deterministic?.clock;
    if (clock) {
      // main starts when the scheduler says (as a wait at time 0): one program at a time.
      await new Promise<void>((resolve) => clock.sleep(this.id, 0, false, resolve));
    }
    try {
      const code = await mod.ccall("main", "number", ["number", "number"], [0, 0], { async: true });
      return { exitCode: code & 0xff };
    } catch (e) {
      if (exitStatus !== undefined) return { exitCode: exitStatus & 0xff };
      const what = e instanceof Error ? e.message : String(e);
      throw new LmwError("ERR_PICO_TRAP", `the program stopped: ${what}\nlast output:\n${this.tail}`, { layer: "api", cause: e });
    } finally {
      this.stop();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#pending = undefined;
    this.#options.deterministic?.clock.leave(this.id);
  }
}
