// lwip-pico build: a program folder written for the Pico SDK (as a folder of pico-examples
// is), compiled against the host Pico SDK (native/pico-sdk) for WASM or natively.
//
// Cache: one CMake build directory per configuration (folder, platform, -D values,
// toolchain), kept under the cache root, so a rebuild only recompiles what changed; and
// ccache (when installed) under the compiler, so a second configuration or folder with
// the same lwIP and Mbed TLS options hits the same objects.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LmwError } from "../errors.js";

/** The repository (or installed package) root: native/pico-sdk and the sources live here. */
const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)).replace(/[\\/]dist[\\/]?$/, ""));
export const PICO_SDK_PATH = join(ROOT, "native", "pico-sdk");

export type PicoPlatform = "wasm" | "native";

export interface PicoBuildOptions {
  /** The program's folder (its CMakeLists.txt is written for the Pico SDK). */
  folder: string;
  /** Targets to build (default: every executable the folder defines). */
  targets?: string[];
  platform?: PicoPlatform;
  /** CMake cache variables: WIFI_SSID, WIFI_PASSWORD, TEST_TCP_SERVER_IP, ... */
  defines?: Record<string, string>;
  /** Where the artifacts go (default: the build directory's own). */
  out?: string;
  /** The compiler's output while building (default: kept, and shown only on failure). */
  onOutput?: (text: string) => void;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** lwIP and Mbed TLS: $LWIP_SRC / $MBEDTLS_SRC, else the verified trees set-up extracted. */
function sources(): { lwip: string; mbedtls: string } {
  const pins = JSON.parse(readFileSync(join(ROOT, "sources.json"), "utf8")) as Record<string, { topDir: string }>;
  const thirdParty = resolve(process.env.LMW_THIRD_PARTY ?? join(ROOT, "third_party"));
  const lwip = process.env.LWIP_SRC ?? join(thirdParty, pins.lwip!.topDir);
  const mbedtls = process.env.MBEDTLS_SRC ?? join(thirdParty, pins.mbedtls!.topDir);
  for (const [name, dir, probe] of [["lwIP", lwip, "src/include/lwip/init.h"], ["Mbed TLS", mbedtls, "include/mbedtls/build_info.h"]] as const) {
    if (!existsSync(join(dir, probe))) {
      throw new LmwError("ERR_PICO_BUILD", `no ${name} sources at ${dir}: run \`npm run setup\` (or set LWIP_SRC / MBEDTLS_SRC)`, { layer: "setup" });
    }
  }
  return { lwip, mbedtls };
}

export function cacheRoot(): string {
  return resolve(process.env.LWIP_PICO_CACHE ?? join(ROOT, "build", "pico"));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, onOutput?: (t: string) => void): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (b: Buffer) => {
      const t = b.toString();
      output += t;
      if (output.length > 1_000_000) output = output.slice(-500_000);
      onOutput?.(t);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.once("error", (e) => reject(new LmwError("ERR_PICO_BUILD", `cannot run ${cmd}: ${e.message}`, { layer: "setup", cause: e })));
    child.once("close", (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** The lines of a failed build worth showing: errors and undefined symbols first, each
 *  "CMake Error" with the indented text that follows it (a message(FATAL_ERROR)'s words). */
function digest(output: string): string {
  const lines = output.split("\n");
  const key: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/error|undefined symbol|undefined reference|FAILED/i.test(lines[i]!)) continue;
    key.push(lines[i]!);
    if (!lines[i]!.startsWith("CMake Error")) continue;
    while (i + 1 < lines.length && (lines[i + 1] === "" || /^\s/.test(lines[i + 1]!))) {
      if (lines[++i]) key.push(lines[i]!);
    }
  }
  return (key.length ? key : lines).slice(-40).join("\n");
}

/** One build at a time per build directory, across processes (test files build the same
 *  programs in parallel workers; CMake and Ninja do not lock a directory themselves). A
 *  lock whose owner is gone is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // being created or removed: look again
      }
      let alive = true;
      if (owner > 0) {
        try {
          process.kill(owner, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds and returns the artifact paths: `<dir>/<target>.wasm` (with its `.js` glue beside
 *  it) or `<dir>/<target>` natively. Throws ERR_PICO_BUILD with the compiler's errors (a
 *  call to an SDK function this SDK lacks is an undefined symbol naming it). */
export async function buildPicoProgram(options: PicoBuildOptions): Promise<string[]> {
  const folder = resolve(options.folder);
  if (!existsSync(join(folder, "CMakeLists.txt"))) {
    throw new LmwError("ERR_PICO_BUILD", `${folder} has no CMakeLists.txt`, { layer: "setup" });
  }
  const platform = options.platform ?? "wasm";
  const { lwip, mbedtls } = sources();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (platform === "wasm") {
    if (!which("emcc")) throw new LmwError("ERR_PICO_BUILD", "emcc (emscripten) is not on PATH: run `npm run setup`", { layer: "setup" });
    if (existsSync("/usr/share/nodejs/acorn")) env.NODE_PATH = ["/usr/share/nodejs", env.NODE_PATH].filter(Boolean).join(delimiter);
  }
  const defines = Object.entries(options.defines ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash("sha256").update(JSON.stringify([folder, platform, defines, lwip, mbedtls])).digest("hex").slice(0, 16);
  const root = cacheRoot();
  const dir = join(root, `${platform}-${key}`);
  const ccache = which("ccache");
  if (ccache) {
    env.CCACHE_DIR ??= join(root, "ccache");
    env.CCACHE_BASEDIR ??= "/";
    env.CCACHE_NOHASHDIR ??= "1";
  }
  const { programs, targets } = await withLock(dir, async () => {
    // Configured once per configuration (pico-programs.txt is written last: a failed
    // configure is tried again).
    if (!existsSync(join(dir, "pico-programs.txt"))) {
      mkdirSync(dir, { recursive: true });
      const args = [
        ...(which("ninja") ? ["-G", "Ninja"] : []),
        "-S", join(PICO_SDK_PATH, "tools", "project"), "-B", dir,
        `-DPICO_SDK_PATH=${PICO_SDK_PATH}`, `-DPICO_PROGRAM_DIR=${folder}`,
        `-DPICO_PLATFORM=${platform === "wasm" ? "wasm" : "host"}`,
        `-DLWIP_SRC=${lwip}`, `-DMBEDTLS_SRC=${mbedtls}`,
        // Release, as the SDK's default build type: NDEBUG, so a program's LWIP_DEBUG
        // follows its own lwipopts.h as on a device.
        "-DCMAKE_BUILD_TYPE=Release",
        ...(ccache ? [`-DCMAKE_C_COMPILER_LAUNCHER=${ccache}`] : []),
        ...defines.map(([k, v]) => `-D${k}=${v}`),
      ];
      const r = platform === "wasm" ? await run("emcmake", ["cmake", ...args], env, options.onOutput) : await run("cmake", args, env, options.onOutput);
      if (r.code !== 0) {
        throw new LmwError("ERR_PICO_BUILD", `CMake could not configure ${folder}:\n${digest(r.output)}`, { layer: "setup" });
      }
    }
    const programs = new Map(readFileSync(join(dir, "pico-programs.txt"), "utf8").split("\n").filter(Boolean)
      .map((l) => l.split("\t") as [string, string]));
    const targets = options.targets?.length ? options.targets : [...programs.keys()];
    for (const t of targets) {
      if (!programs.has(t)) {
        throw new LmwError("ERR_PICO_BUILD", `${folder} defines no program "${t}" (it has: ${[...programs.keys()].join(", ") || "none"}; -D options may enable more)`, { layer: "setup" });
      }
    }
    if (targets.length === 0) throw new LmwError("ERR_PICO_BUILD", `${folder} defines no program (check its -D options)`, { layer: "setup" });
    const r = await run("cmake", ["--build", dir, "--target", ...targets], env, options.onOutput);
    if (r.code !== 0) throw new LmwError("ERR_PICO_BUILD", `the build of ${targets.join(", ")} failed:\n${digest(r.output)}`, { layer: "setup" });
    return { programs, targets };
  });

  const artifacts: string[] = [];
  for (const t of targets) {
    // emscripten's target file is the glue (.js); the module is beside it.
    const built = platform === "wasm" ? programs.get(t)!.replace(/\.js$/, ".wasm") : programs.get(t)!;
    if (!options.out) {
      artifacts.push(built);
      continue;
    }
    const out = resolve(options.out);
    mkdirSync(out, { recursive: true });
    const dest = join(out, platform === "wasm" ? `${t}.wasm` : t);
    cpSync(built, dest);
    if (platform === "wasm") cpSync(built.replace(/\.wasm$/, ".js"), join(out, `${t}.js`));
    artifacts.push(dest);
  }
  return artifacts;
}
