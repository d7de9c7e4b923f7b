// Loading a WASM Pico program from files in Node: the CommonJS glue beside the .wasm,
// evaluated whatever the enclosing package's module type, and the module's bytes. The
// run itself is wasm-program.ts's, the same as in a browser.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve as resolvePath } from "node:path";
import { compileFunction } from "node:vm";
import { LmwError } from "../errors.js";
import type { LoadedPicoModule, PicoFactory } from "./wasm-program.js";

async function loadFactory(gluePath: string): Promise<PicoFactory> {
  const code = await readFile(gluePath, "utf8");
  const module = { exports: {} as unknown };
  const fn = compileFunction(code, ["module", "exports", "require", "__filename", "__dirname"], { filename: gluePath });
  fn(module, module.exports, createRequire(gluePath), gluePath, dirname(gluePath));
  const factory = module.exports as PicoFactory;
  if (typeof factory !== "function") throw new Error(`${gluePath} is not a Pico program's glue (no factory)`);
  return factory;
}

/** `<name>.wasm` and its glue `<name>.js`; ERR_PICO_START when either cannot be read. */
export async function loadPicoFiles(wasmPath: string): Promise<LoadedPicoModule> {
  const gluePath = resolvePath(wasmPath.replace(/\.wasm$/, ".js"));
  try {
    const [factory, wasm] = await Promise.all([loadFactory(gluePath), readFile(wasmPath)]);
    return { factory, wasm, name: wasmPath };
  } catch (e) {
    throw new LmwError("ERR_PICO_START", `cannot load ${wasmPath}: ${(e as Error).message}`, { layer: "api", cause: e });
  }
}
