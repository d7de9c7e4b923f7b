// Loads the WebAssembly module in Node 20 and in browsers. The .wasm is compiled once per
// process (or page) and instantiated once per stack: the device and the router are two
// instances of the same module, each with its own lwIP globals and heap.
import type { LmwExports } from "./generated/exports.js";

/** What the C side's host hooks call (native/host/host.h, wasm/library_lmw.js). */
export interface LmwHost {
  nowMs(): number;
  wallTimeS(): number;
  /** Fills `buf` entirely; returns 0 (or non-zero on failure). */
  random(buf: Uint8Array): number;
  log(source: number, text: Uint8Array): void;
  event(object: number, kind: number, arg: number): void;
  linkOutput(linkId: number, frame: Uint8Array): void;
  /** Router: a UDP datagram from the device (raw IPv4 packet). */
  routerUdp(packet: Uint8Array): void;
  /** A C app's application data (the HTTPS client's response bytes) for request `userId`. */
  appData(userId: number, data: Uint8Array): void;
  /** stdout of the C side (printf), one line per call. */
  print(line: string): void;
}

/** An instance: the exported C functions plus the heap views. */
export interface LmwModule extends LmwExports {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
}

type Factory = (options: Record<string, unknown>) => Promise<LmwModule>;

export interface ModuleSource {
  /** The emscripten factory (build/wasm/lmw.js, MODULARIZE). */
  factory: Factory;
  /** The compiled .wasm. */
  wasm: WebAssembly.Module;
}

/** "release": the module users download (no debug output, no self-tests); "debug": the same
 *  C with lwIP / Mbed TLS debug output and Mbed TLS's self-tests compiled in. */
export type ModuleBuild = "release" | "debug";

const defaultSources: Partial<Record<ModuleBuild, Promise<ModuleSource>>> = {};

export const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** Imports a Node built-in by a name bundlers do not follow (the browser build never runs this). */
export function nodeImport<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ name) as Promise<T>;
}

async function loadNodeSource(build: ModuleBuild): Promise<ModuleSource> {
  const { createRequire } = await nodeImport<typeof import("node:module")>("node:module");
  const { readFile } = await nodeImport<typeof import("node:fs/promises")>("node:fs/promises");
  const { fileURLToPath } = await nodeImport<typeof import("node:url")>("node:url");
  // Built by `npm run setup` (CMake copies the outputs next to the library's sources).
  // The directory is a variable so bundlers do not copy the Node build into web bundles.
  const dir = "../../wasm/";
  const name = build === "debug" ? "lmw_debug" : "lmw";
  const glue = fileURLToPath(new URL(`${dir}${name}.js`, import.meta.url));
  const wasmPath = fileURLToPath(new URL(`${dir}${name}.wasm`, import.meta.url));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(wasmPath);
  } catch (e) {
    throw new Error(`WASM module not built (${wasmPath}): run \`npm run setup\``, { cause: e });
  }
  // 3.1.6's glue cannot fetch a file: URL in Node; we compile the bytes ourselves and
  // hand the instance over through instantiateWasm.
  const factory = createRequire(import.meta.url)(glue) as Factory;
  return { factory, wasm: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>) };
}

async function loadBrowserSource(build: ModuleBuild): Promise<ModuleSource> {
  // The paths are static so bundlers (Vite) pick up the glue and the .wasm assets; a page
  // downloads only the build it uses.
  const glue = (build === "debug"
    ? await import("../../wasm/lmw_web_debug.mjs")
    : await import("../../wasm/lmw_web.mjs")) as { default: Factory };
  const url = build === "debug"
    ? new URL("../../wasm/lmw_web_debug.wasm", import.meta.url)
    : new URL("../../wasm/lmw_web.wasm", import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  const wasm = await WebAssembly.compileStreaming(response).catch(async () =>
    // Servers that do not send application/wasm: compile from the bytes.
    WebAssembly.compile(await (await fetch(url)).arrayBuffer()),
  );
  return { factory: glue.default, wasm };
}

/** The module compiled once for this process or page; `setModuleSource` overrides it. */
export function moduleSource(build: ModuleBuild = "release"): Promise<ModuleSource> {
  defaultSources[build] ??= isNode ? loadNodeSource(build) : loadBrowserSource(build);
  return defaultSources[build]!;
}

export function setModuleSource(source: ModuleSource | Promise<ModuleSource>, build: ModuleBuild = "release"): void {
  defaultSources[build] = Promise.resolve(source);
}

/** A fresh instance wired to `host`. */
export async function instantiate(host: LmwHost, source?: ModuleSource, build: ModuleBuild = "release"): Promise<LmwModule> {
  const src = source ?? (await moduleSource(build));
  return src.factory({
    lmwHost: host,
    print: (line: string) => host.print(line),
    printErr: (line: string) => host.print(line),
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      WebAssembly.instantiate(src.wasm, imports).then(done, (e: unknown) => {
        throw e;
      });
      return {};
    },
  });
}
