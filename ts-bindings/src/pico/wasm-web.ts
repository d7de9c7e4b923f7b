// runPicoModule(network, source, options): a WASM Pico program (built by `lwip-pico build`
// or buildPicoProgram, platform wasm) in a browser page (in a worker: pass the factory). The glue (`<name>.js`,
// MODULARIZE, ENVIRONMENT=node,web) is loaded as a classic <script> from its URL - no
// eval, so a page with a Content-Security-Policy of script-src 'self' can run programs -
// or its factory is given; the module is fetched and compiled once per URL.
import { LmwError } from "../errors.js";
import type { Network } from "../network.js";
import { allocateMac, type PicoExit, type PicoRunOptions } from "./program.js";
import { runWasmProgram, type LoadedPicoModule, type PicoFactory } from "./wasm-program.js";

/** The global a program's glue defines when loaded as a script (-sEXPORT_NAME in
 *  wasm/flags.cmake's PICO_EM_LINK_FLAGS). */
const GLUE_GLOBAL = "createPicoProgram";

export interface PicoModuleSource {
  /** The URL of the program's glue (`<name>.js`); or give `factory`. */
  glueUrl?: string | URL;
  /** The glue's factory, already loaded (a worker's importScripts, a bundler's import). */
  factory?: PicoFactory;
  /** The module: its URL (fetched and compiled once per URL), its bytes, or compiled. */
  wasm: string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module;
}

const glues = new Map<string, Promise<PicoFactory>>();
const modules = new Map<string, Promise<WebAssembly.Module>>();
/** Scripts that define the same global are loaded one at a time. */
let glueQueue: Promise<unknown> = Promise.resolve();

function loadGlue(url: string): Promise<PicoFactory> {
  let p = glues.get(url);
  if (!p) {
    const load = () => new Promise<PicoFactory>((resolve, reject) => {
      if (typeof document === "undefined") {
        reject(new Error("glueUrl needs a page (a document); elsewhere (a worker) pass the glue's factory"));
        return;
      }
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => {
        script.remove();
        try {
          resolve(takeGlobal(url));
        } catch (e) {
          reject(e);
        }
      };
      script.onerror = () => {
        script.remove();
        reject(new Error(`the script ${url} did not load`));
      };
      document.head.append(script);
    });
    p = glueQueue.then(load, load);
    glueQueue = p.catch(() => {});
    glues.set(url, p);
    p.catch(() => glues.delete(url));
  }
  return p;
}

function takeGlobal(url: string): PicoFactory {
  const g = globalThis as Record<string, unknown>;
  const factory = g[GLUE_GLOBAL];
  g[GLUE_GLOBAL] = undefined; // a script's `var` cannot be deleted; the next script sets it again
  if (typeof factory !== "function") throw new Error(`${url} is not a Pico program's glue (no ${GLUE_GLOBAL})`);
  return factory as PicoFactory;
}

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  let p = modules.get(url);
  if (!p) {
    p = (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      // Streaming compilation needs the application/wasm type; anything else is compiled
      // from the bytes.
      if (res.headers.get("content-type")?.startsWith("application/wasm")) return WebAssembly.compileStreaming(res);
      return WebAssembly.compile(await res.arrayBuffer());
    })();
    modules.set(url, p);
    p.catch(() => modules.delete(url));
  }
  return p;
}

async function load(source: PicoModuleSource): Promise<LoadedPicoModule> {
  const { glueUrl, factory, wasm } = source;
  const name = String(glueUrl ?? (typeof wasm === "string" || wasm instanceof URL ? wasm : "the program"));
  try {
    if (!factory && !glueUrl) throw new Error("give the glue's URL (glueUrl) or its factory");
    const base = typeof location === "undefined" ? undefined : location.href;
    const [f, w] = await Promise.all([
      factory ?? loadGlue(new URL(glueUrl!, base).href),
      typeof wasm === "string" || wasm instanceof URL
        ? compileFrom(new URL(wasm, base).href)
        : wasm instanceof ArrayBuffer ? new Uint8Array(wasm) : wasm,
    ]);
    return { factory: f, wasm: w, name };
  } catch (e) {
    throw new LmwError("ERR_PICO_START", `cannot load ${name}: ${(e as Error).message}`, { layer: "api", cause: e });
  }
}

/** Runs a WASM Pico program on `network` (made with `device: false`, or with the library's
 *  device beside it at an address outside the DHCP pool). Resolves with `{ exitCode }`
 *  when main returns or the program calls exit(); rejects with ERR_PICO_TRAP (a trap or
 *  panic; the message ends with the last lines of output), ERR_PICO_START (the glue or
 *  module cannot be loaded) or ERR_ABORTED (options.signal). stdin: a PicoInput. */
export function runPicoModule(network: Network, source: PicoModuleSource, options: PicoRunOptions = {}): Promise<PicoExit> {
  try {
    options.signal?.throwIfAborted();
  } catch (e) {
    return Promise.reject(new LmwError("ERR_ABORTED", "the program was stopped before it started", { layer: "api", cause: e }));
  }
  return runWasmProgram(network, () => load(source), options, options.mac ?? allocateMac());
}
