// runPicoProgram(network, artifact, options): runs a Pico W program built by `lwip-pico
// build` on a network's LAN - a `.wasm` program module in this process, anything else as a
// native executable - and settles with main's return value.
import { accessSync, constants } from "node:fs";
import { LmwError } from "../errors.js";
import type { Network } from "../network.js";
import { runNative } from "./native-program.js";
import { allocateMac, type PicoExit, type PicoRunOptions } from "./program.js";
import { loadPicoFiles } from "./wasm-node.js";
import { runWasmProgram } from "./wasm-program.js";

export { PicoInput } from "./program.js";
export type { PicoExit, PicoRunOptions, PicoStdin } from "./program.js";

/** Runs the program at `artifact` on `network` (made with `device: false`, or with the
 *  library's device beside it). Resolves with `{ exitCode }` when main returns or the
 *  program calls exit(); rejects with ERR_PICO_TRAP (a trap or panic; the message ends with
 *  the last lines of output), ERR_PICO_START (the artifact cannot be loaded or started) or
 *  ERR_ABORTED (options.signal). */
export async function runPicoProgram(network: Network, artifact: string, options: PicoRunOptions = {}): Promise<PicoExit> {
  options.signal?.throwIfAborted();
  // Nothing awaits before the program registers with a deterministic clock (both runners
  // do so before their first await): programs started in turn keep their turn, however
  // long each takes to load, and the clock cannot move on while one is still loading.
  try {
    accessSync(artifact, artifact.endsWith(".wasm") ? constants.R_OK : constants.X_OK);
  } catch (e) {
    throw new LmwError("ERR_PICO_START", `cannot run ${artifact}: ${(e as Error).message}`, { layer: "api", cause: e });
  }
  const mac = options.mac ?? allocateMac();
  return artifact.endsWith(".wasm") ? runWasm(network, artifact, options, mac) : runNative(network, artifact, options, mac);
}

function runWasm(network: Network, artifact: string, options: PicoRunOptions, mac: string): Promise<PicoExit> {
  const stderr = options.stderr ?? ((t: string) => void process.stderr.write(t));
  return runWasmProgram(network, () => loadPicoFiles(artifact), { ...options, stderr }, mac);
}
