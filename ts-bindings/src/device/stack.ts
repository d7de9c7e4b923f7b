// One lwIP + Mbed TLS stack = one instance of the WASM module, with its own heap, its
// timer scheduler and its event queue. C calls back only to queue events; this class
// drains the queue after the C call has returned (a microtask later) and never re-enters
// lwIP from inside a callback.
import { fillRandom } from "../bytes.js";
import { LmwError } from "../errors.js";
import { LmwEvent, LmwLog } from "../ffi/generated/exports.js";
import { Memory } from "../ffi/memory.js";
import { instantiate, type LmwHost, type LmwModule, type ModuleSource } from "../ffi/module.js";
import { lwipErrorName, mbedtlsErrorName } from "../ffi/native-errors.js";

export type LogSource = "lwip" | "mbedtls" | "app" | "assert" | "keylog";
export interface LogEntry {
  stack: string;
  source: LogSource;
  text: string;
}

/** Where a stack's time and timers come from: the host's by default, or a virtual clock
 *  (router/deterministic.ts) that only moves when its owner advances it. */
export interface StackClock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

const hostClock: StackClock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface StackOptions {
  /** A label for logs ("device", "router"). */
  name?: string;
  /** Time and timers (default: the host's; a virtual clock for a deterministic run). */
  clock?: StackClock;
  /** Wall-clock seconds (certificate validity); default Date.now() / 1000. */
  wallTimeS?: () => number;
  /** Fills a buffer with randomness; default crypto.getRandomValues. */
  random?: (buf: Uint8Array) => void;
  /** Receives lwIP / Mbed TLS debug lines, assertion reports and key log lines. */
  onLog?: (entry: LogEntry) => void;
  /** lwIP debug output on, and the Mbed TLS debug level (0-4). Loads the debug build. */
  debug?: { lwip?: boolean; mbedtls?: number };
  /** Use the debug build (debug output, Mbed TLS's self-tests) even without `debug`. */
  debugBuild?: boolean;
  /** Use this compiled module instead of the default one. */
  source?: ModuleSource;
}

const LOG_SOURCES: Record<number, LogSource> = {
  [LmwLog.LWIP]: "lwip",
  [LmwLog.MBEDTLS]: "mbedtls",
  [LmwLog.APP]: "app",
  [LmwLog.ASSERT]: "assert",
  [LmwLog.KEYLOG]: "keylog",
};

const textDecoder = new TextDecoder();

export type EventHandler = (kind: number, arg: number) => void;

export class Stack implements AsyncDisposable {
  readonly name: string;
  readonly mod: LmwModule;
  readonly mem: Memory;
  #handlers = new Map<number, EventHandler>();
  #linkSinks = new Map<number, (frame: Uint8Array) => void>();
  #nextId = 1;
  #events: number[] = [];
  #drainQueued = false;
  #timer: unknown;
  #timerDue = Infinity;
  #pumpQueued = false;
  #disposed = false;
  #activeHandles = 0;
  #stdout: string[] = [];
  #onLog: ((entry: LogEntry) => void) | undefined;
  #disposeHooks = new Set<() => void>();
  #clock: StackClock = hostClock;
  /** Router stacks: UDP datagrams from the device (raw IPv4 packets). */
  onRouterUdp: ((packet: Uint8Array) => void) | undefined;
  /** C apps (native/apps): application data for request `userId` (already copied). */
  onAppData: ((userId: number, data: Uint8Array) => void) | undefined;

  /** Built with debug output and self-tests (StackOptions.debug / debugBuild). */
  readonly debugBuild: boolean;

  private constructor(name: string, mod: LmwModule, onLog: StackOptions["onLog"], debugBuild: boolean) {
    this.name = name;
    this.debugBuild = debugBuild;
    this.mod = mod;
    this.mem = new Memory(mod);
    this.mem.scratch(0); // the data paths' buffer, allocated once, up front
    this.#onLog = onLog;
  }

  static async create(options: StackOptions = {}): Promise<Stack> {
    const clock = options.clock ?? hostClock;
    const wallTimeS = options.wallTimeS ?? (() => Date.now() / 1000);
    const random = options.random ?? fillRandom;
    let stack: Stack | undefined;
    const pendingLogs: [number, Uint8Array][] = [];
    const host: LmwHost = {
      nowMs: () => Math.floor(clock.now()) >>> 0,
      wallTimeS: () => Math.floor(wallTimeS()),
      random: (buf) => {
        try {
          random(buf);
          return 0;
        } catch {
          return -1;
        }
      },
      log: (source, text) => {
        if (stack) stack.#log(source, text);
        else pendingLogs.push([source, text]);
      },
      event: (object, kind, arg) => {
        if (stack) stack.#queueEvent(object, kind, arg);
      },
      linkOutput: (linkId, frame) => {
        if (stack) stack.#linkSinks.get(linkId)?.(frame);
      },
      // Handled a microtask later, like events: the router answers DNS by calling back
      // into C, which must not happen inside the lmw_netif_input that delivered it.
      routerUdp: (packet) => {
        if (stack) queueMicrotask(() => stack!.onRouterUdp?.(packet));
      },
      appData: (userId, data) => {
        if (stack) stack.onAppData?.(userId, data);
      },
      print: (line) => {
        if (stack) stack.#stdout.push(line);
      },
    };
    const debugBuild = !!options.debugBuild || !!options.debug?.lwip || (options.debug?.mbedtls ?? 0) > 0;
    const mod = await instantiate(host, options.source, debugBuild ? "debug" : "release");
    stack = new Stack(options.name ?? "stack", mod, options.onLog, debugBuild);
    stack.#clock = clock;
    for (const [s, t] of pendingLogs) stack.#log(s, t);
    const err = mod._lmw_init();
    if (err !== 0) throw new LmwError("ERR_INIT", `lmw_init failed: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err });
    if (options.debug) stack.setDebug(options.debug);
    stack.#schedule();
    return stack;
  }

  #log(source: number, text: Uint8Array): void {
    this.#onLog?.({ stack: this.name, source: LOG_SOURCES[source] ?? "app", text: textDecoder.decode(text) });
  }

  setOnLog(onLog: ((entry: LogEntry) => void) | undefined): void {
    this.#onLog = onLog;
  }

  /** lwIP's and Mbed TLS's debug output exist only in the debug build (lmw_debug.wasm,
   *  loaded by Stack.create when `debug` or `debugBuild: true` is given); asking a
   *  release-build stack for them is an error (ERR_INVALID_ARG), not silence. */
  setDebug(debug: { lwip?: boolean; mbedtls?: number }): void {
    if (!this.debugBuild && (debug.lwip || (debug.mbedtls ?? 0) > 0)) {
      throw new LmwError("ERR_INVALID_ARG", "debug output is in the debug build: create the stack with `debug` or `debugBuild: true`", { layer: "api" });
    }
    this.mod._lmw_set_debug(debug.lwip ? 1 : 0, debug.mbedtls ?? 0);
  }

  // ---- events and timers ---------------------------------------------------------------

  /** Registers a handler for events carrying the returned id. */
  register(handler: EventHandler): number {
    const id = this.#nextId++;
    this.#handlers.set(id, handler);
    return id;
  }

  unregister(id: number): void {
    this.#handlers.delete(id);
  }

  /** Counts a user-visible handle: while any is open, the timers keep a Node process alive. */
  retain(): void {
    this.#activeHandles++;
    this.#refTimer();
  }

  release(): void {
    this.#activeHandles = Math.max(0, this.#activeHandles - 1);
    this.#refTimer();
  }

  /** Frees a connection handle (socket or listener) that was retained, and unregisters
   *  its event id; the stack then runs what the close queued. ptr 0: only unregisters. */
  freeConn(ptr: number, id: number): void {
    if (ptr !== 0) {
      if (!this.disposed) this.mod._lmw_conn_free(ptr);
      this.kick();
      this.release();
    }
    this.unregister(id);
  }

  #refTimer(): void {
    const t = this.#timer as { ref?: () => void; unref?: () => void } | undefined;
    if (this.#activeHandles > 0) t?.ref?.();
    else t?.unref?.();
  }

  #queueEvent(object: number, kind: number, arg: number): void {
    this.#events.push(object, kind, arg);
    if (!this.#drainQueued) {
      this.#drainQueued = true;
      queueMicrotask(() => this.#drain());
    }
  }

  #drain(): void {
    this.#drainQueued = false;
    while (this.#events.length > 0) {
      const batch = this.#events;
      this.#events = [];
      for (let i = 0; i < batch.length; i += 3) {
        const handler = this.#handlers.get(batch[i]!);
        if (handler) {
          try {
            handler(batch[i + 1]!, batch[i + 2]!);
          } catch (e) {
            queueMicrotask(() => {
              throw e;
            });
          }
        }
      }
    }
  }

  /** Call after any call into C that may have changed lwIP's timers. */
  kick(): void {
    if (this.#pumpQueued || this.#disposed) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#disposed) return;
    const delay = this.mod._lmw_timers_run() >>> 0;
    const due = delay === 0xffffffff ? Infinity : this.#clock.now() + delay;
    if (this.#timer !== undefined && due >= this.#timerDue - 1 && due <= this.#timerDue + 1) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerDue = due;
    if (due === Infinity) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#timerDue = Infinity;
      this.#schedule();
    }, delay);
    this.#refTimer();
  }

  // ---- link -------------------------------------------------------------------------------

  /** Frames the netif with `linkId` sends go to `sink` (which must copy or keep them). */
  setLinkSink(linkId: number, sink: ((frame: Uint8Array) => void) | undefined): void {
    if (sink) this.#linkSinks.set(linkId, sink);
    else this.#linkSinks.delete(linkId);
  }

  /** Hands a frame to a netif of this stack (copied through the scratch buffer: the host
   *  hooks C calls meanwhile only copy or queue, so nothing else uses it). */
  inputFrame(netifPtr: number, frame: Uint8Array): void {
    if (this.#disposed) return;
    const { data } = this.mem.scratch(frame.length);
    this.mod.HEAPU8.set(frame, data);
    this.mod._lmw_netif_input(netifPtr, data, frame.length);
    this.kick();
  }

  // ---- diagnostics -------------------------------------------------------------------------

  /** Runs Mbed TLS's self-tests in this instance. */
  selfTest(verbose = true): { failed: number; output: string[] } {
    if (!this.debugBuild) {
      throw new LmwError("ERR_INVALID_ARG", "Mbed TLS's self-tests are in the debug build: Stack.create({ debugBuild: true })", { layer: "api" });
    }
    this.#stdout = [];
    const failed = this.mod._lmw_selftest(verbose ? 1 : 0);
    const output = this.#stdout;
    this.#stdout = [];
    return { failed, output };
  }

  /** Polls the entropy source the way Mbed TLS does; returns the bytes and the length filled. */
  entropyPoll(length: number): { bytes: Uint8Array; filled: number } {
    using buf = this.mem.alloc(length + 16);
    using olen = this.mem.alloc(4);
    // Guard bytes after the buffer: the hook must fill exactly `length`, never more.
    buf.view(length + 16).fill(0xa5);
    const err = this.mod._lmw_entropy_poll(buf.ptr, length, olen.ptr);
    if (err !== 0) throw new LmwError("ERR_ENTROPY", "entropy source failed", { layer: "mbedtls", nativeCode: err });
    const all = buf.view(length + 16).slice();
    if (all.subarray(length).some((b) => b !== 0xa5)) throw new Error("entropy hook wrote past the end of the buffer");
    return { bytes: all.subarray(0, length), filled: olen.u32() };
  }

  heapInUse(): number {
    return this.mod._lmw_heap_in_use() >>> 0;
  }

  assertCount(): number {
    return this.mod._lmw_assert_count() >>> 0;
  }

  version(): string {
    return this.mem.readCString(this.mod._lmw_version());
  }

  /** A compile-time constant of the C side (TCP_MSS, TCP_WND, ...). */
  constant(name: string): number {
    using n = this.mem.cstring(name);
    const v = this.mod._lmw_constant(n.ptr);
    if (v === -1) throw new RangeError(`unknown constant ${name}`);
    return v;
  }

  stat(name: string): number {
    using n = this.mem.cstring(name);
    const v = this.mod._lmw_stat(n.ptr);
    if (v === -1) throw new RangeError(`unknown stat ${name}`);
    return v;
  }

  describe(code: number, layer: "lwip" | "mbedtls"): string {
    return layer === "lwip" ? lwipErrorName(code) : mbedtlsErrorName(code);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Calls `hook` when the stack is disposed; returns a function that removes it. */
  onDispose(hook: () => void): () => void {
    this.#disposeHooks.add(hook);
    return () => this.#disposeHooks.delete(hook);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const hook of [...this.#disposeHooks]) hook();
    this.#disposeHooks.clear();
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#handlers.clear();
    this.#linkSinks.clear();
    this.#events = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}
