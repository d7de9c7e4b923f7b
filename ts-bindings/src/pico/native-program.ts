// A native Pico program as a child process: its Ethernet link is a stream socket to a
// listener here (QEMU -netdev stream framing, link/stream-link.ts), attached to the LAN
// when the program connects; fd 3 carries the runner's messages (LED and pins, and the
// waits of deterministic mode). See native/pico-sdk/src/host/host_native.c.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { Readable, type Duplex } from "node:stream";
import { createInterface } from "node:readline";
import { LmwError } from "../errors.js";
import { listenStreamLink, type StreamLinkEnd } from "../link/stream-link.js";
import type { Network } from "../network.js";
import { gpioEvent, OutputTail, type PicoExit, type PicoRunOptions } from "./program.js";

let nextId = 1_000_000;

function signalName(signal: NodeJS.Signals): string {
  const n = (constants.signals as Record<string, number>)[signal];
  return n ? `${signal} (${n})` : signal;
}

export async function runNative(network: Network, path: string, options: PicoRunOptions, mac: string): Promise<PicoExit> {
  const id = nextId++;
  const clock = options.deterministic?.clock;
  // Registered with the deterministic clock before any await (see WasmProgram.run).
  clock?.started(id);
  let listener: Awaited<ReturnType<typeof listenStreamLink>>;
  try {
    listener = await listenStreamLink({ host: "127.0.0.1", port: 0 });
  } catch (e) {
    clock?.leave(id);
    throw e;
  }
  const tail = new OutputTail();
  const env: NodeJS.ProcessEnv = { ...process.env, LWIP_PICO_LINK: listener.address, LWIP_PICO_CONTROL: "3", LWIP_PICO_MAC: mac };
  delete env.LWIP_PICO_SSID;
  delete env.LWIP_PICO_PASSWORD;
  delete env.LWIP_PICO_SEED;
  delete env.LWIP_PICO_KEYLOG;
  if (options.ssid !== undefined) {
    env.LWIP_PICO_SSID = options.ssid;
    env.LWIP_PICO_PASSWORD = options.password ?? "";
  }
  if (options.deterministic) env.LWIP_PICO_SEED = String(options.deterministic.seed);
  if (options.onKeyLog) env.LWIP_PICO_KEYLOG = "1";
  let child: ChildProcess;
  try {
    child = spawn(path, [], { env, stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe", "pipe"] });
  } catch (e) {
    clock?.leave(id);
    await listener.close();
    throw new LmwError("ERR_PICO_START", `cannot start ${path}: ${(e as Error).message}`, { layer: "api", cause: e });
  }
  if (options.onStart) child.once("spawn", options.onStart);
  const stdin = options.stdin;
  let forwardStdin: ((chunk: Uint8Array | string) => void) | undefined;
  if (stdin && child.stdin) {
    const sink = child.stdin;
    sink.on("error", () => {}); // the program may exit without reading
    if (stdin instanceof Readable) stdin.pipe(sink);
    else stdin.on("data", (forwardStdin = (chunk) => void sink.write(chunk)));
  }
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    tail.push(text);
    options.stdout?.(text);
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => (options.stderr ?? ((t: string) => process.stderr.write(t)))(text));

  // The control channel: pins, key log lines, and deterministic waits ("wait UNTIL SENT WAKE" -> "wake NOW RECEIVED").
  const control = child.stdio[3] as Duplex;
  let end: StreamLinkEnd | undefined;
  let attachment: { detach(): void } | undefined;
  let framesFromProgram = 0;
  let framesToProgram = 0;
  const pendingWaits: { until: number; sent: number; wakeOnInput: boolean }[] = [];
  const tryWait = () => {
    // A wait is acted on once every frame the program sent before it has arrived here.
    while (pendingWaits.length && framesFromProgram >= pendingWaits[0]!.sent) {
      const w = pendingWaits.shift()!;
      clock!.sleep(id, w.until, w.wakeOnInput, () => {
        if (!control.destroyed) control.write(`wake ${Math.round(clock!.now())} ${framesToProgram}\n`);
      });
    }
  };
  createInterface({ input: control }).on("line", (line) => {
    const [kind, a, b, c] = line.split(" ");
    if (kind === "keylog") options.onKeyLog?.(line.slice("keylog ".length));
    else if (kind === "gpio") gpioEvent(options, Number(a), b === "1");
    else if (kind === "wait" && clock) {
      pendingWaits.push({ until: Number(a), sent: Number(b), wakeOnInput: c === "1" });
      tryWait();
    }
  });
  control.on("error", () => {});

  void listener.accept().then((e) => {
    end = e;
    const counted: StreamLinkEnd | { mac: Uint8Array; input(f: Uint8Array): void; onFrame(h: ((f: Uint8Array) => void) | undefined): void } = clock
      ? {
          get mac() { return e.mac; },
          input: (f: Uint8Array) => {
            framesToProgram++;
            e.input(f);
            clock.delivered(id);
          },
          onFrame: (h) => e.onFrame(h && ((f: Uint8Array) => {
            framesFromProgram++;
            h(f);
            tryWait();
          })),
        }
      : e;
    attachment = network.attach(counted);
  }, () => {});

  const abort = () => child.kill("SIGKILL");
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", (e) => reject(new LmwError("ERR_PICO_START", `cannot start ${path}: ${e.message}`, { layer: "api", cause: e })));
      child.once("close", (c, s) => resolve([c, s]));
    });
    if (options.signal?.aborted) throw new LmwError("ERR_ABORTED", "the program was stopped", { layer: "api", cause: options.signal.reason });
    if (signal) throw new LmwError("ERR_PICO_TRAP", `the program stopped on signal ${signalName(signal)}\nlast output:\n${tail}`, { layer: "api" });
    return { exitCode: code ?? 0 };
  } finally {
    options.signal?.removeEventListener("abort", abort);
    if (forwardStdin) stdin?.off?.("data", forwardStdin);
    clock?.leave(id);
    attachment?.detach();
    end?.socket.destroy();
    await listener.close();
  }
}
