// Idempotent set-up: emscripten, pinned sources, generated files, the WASM and native
// builds. Run by scripts/bootstrap.mjs (after the npm packages); a no-op when all is in
// place. Every failure names what is missing and how to fix it.
//
//   tsx scripts/setup.ts [--force-build] [--only-sources] [--for-tests]
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateAll } from "./generate.js";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** Downloaded and extracted sources; LMW_THIRD_PARTY moves them (e.g. a shared cache). */
const THIRD_PARTY = resolve(process.env.LMW_THIRD_PARTY ?? join(ROOT, "third_party"));
const BUILD = join(ROOT, "build");

export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

export interface SourcePin {
  version: string;
  debianPackage: string;
  tarball: string;
  sha256: string;
  topDir: string;
  suites: string[];
  envOverride: string;
}

export function readPins(): Record<"lwip" | "mbedtls", SourcePin> {
  const raw = JSON.parse(readFileSync(join(ROOT, "sources.json"), "utf8"));
  return { lwip: raw.lwip, mbedtls: raw.mbedtls };
}

function log(msg: string): void {
  process.stderr.write(`setup: ${msg}\n`);
}

function sh(cmd: string, args: string[], opts: SpawnSyncOptions & { quiet?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: opts.quiet ? "pipe" : ["ignore", "pipe", "inherit"], ...opts });
  if (r.error) throw new SetupError(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-20).join("\n");
    throw new SetupError(`${cmd} ${args.join(" ")} failed (exit ${r.status})${out ? `:\n${out}` : ""}`);
  }
  return String(r.stdout ?? "");
}

function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Throws a SetupError naming the file when its SHA-256 is not the pinned one. */
export async function verifyChecksum(path: string, expected: string): Promise<void> {
  const got = await sha256File(path);
  if (got !== expected) {
    throw new SetupError(
      `checksum mismatch for ${path}\n  expected ${expected}\n  got      ${got}\n` +
        `The file is not the pinned upstream source (sources.json). Delete it and run set-up again.`,
    );
  }
}

// ---------------------------------------------------------------------------------
// Toolchain

/** Environment for emcc/emcmake: Debian's emscripten needs acorn from /usr/share/nodejs. */
export function emEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (existsSync("/usr/share/nodejs/acorn")) {
    env.NODE_PATH = ["/usr/share/nodejs", env.NODE_PATH].filter(Boolean).join(":");
  }
  return env;
}

function ensureEmscripten(): string {
  if (!which("emcc")) {
    const isRoot = process.getuid?.() === 0;
    if (!isRoot || !which("apt-get")) {
      throw new SetupError(
        "emcc (emscripten) is not installed. On Debian: `sudo apt-get install emscripten` " +
          "(3.1.6 or newer); elsewhere install the emsdk and put its emcc on PATH.",
      );
    }
    log("installing Debian's emscripten package (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    sh("apt-get", ["update", "-qq"], { env });
    sh("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "emscripten"], { env });
  }
  const version = sh("emcc", ["--version"], { env: emEnv(), quiet: true }).split("\n")[0]!.trim();
  return version;
}

// ---------------------------------------------------------------------------------
// Sources

/** The machine's own Debian mirror, read from /etc/apt (no host name lives in the repo). */
function debianMirror(): string {
  const files: string[] = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  if (existsSync("/etc/apt/sources.list.d")) {
    for (const f of readdirSync("/etc/apt/sources.list.d")) {
      if (f.endsWith(".list") || f.endsWith(".sources")) files.push(join("/etc/apt/sources.list.d", f));
    }
  }
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    // deb822: "URIs: http://…/debian"; one-line: "deb http://…/debian bookworm main"
    for (const m of text.matchAll(/^\s*URIs:\s*(\S+)/gm)) {
      if (/\/debian\/?$/.test(m[1]!)) return m[1]!.replace(/\/$/, "");
    }
    for (const m of text.matchAll(/^\s*deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)) {
      if (/\/debian\/?$/.test(m[1]!)) return m[1]!.replace(/\/$/, "");
    }
  }
  throw new SetupError(
    "no Debian mirror found in /etc/apt. Set LWIP_SRC and MBEDTLS_SRC to unpacked source trees instead " +
      "(lwIP 2.2.1, Mbed TLS 3.6.7).",
  );
}

/** apt-get with a private configuration: no root needed, nothing of the system touched. */
function privateApt(suites: string[]): string[] {
  const dir = join(THIRD_PARTY, ".apt");
  for (const d of ["lists/partial", "cache/archives/partial", "parts"]) mkdirSync(join(dir, d), { recursive: true });
  const mirror = debianMirror();
  const list = suites.map((s) => `deb-src ${mirror} ${s} main`).join("\n") + "\n";
  const listFile = join(dir, "sources.list");
  const opts = [
    `-o`, `Dir::Etc::SourceList=${listFile}`,
    `-o`, `Dir::Etc::SourceParts=${join(dir, "parts")}`,
    `-o`, `Dir::State::Lists=${join(dir, "lists")}`,
    `-o`, `Dir::Cache=${join(dir, "cache")}`,
    `-o`, `Debug::NoLocking=1`,
    `-o`, `APT::Sandbox::User=${process.getuid?.() === 0 ? "root" : ""}`,
  ];
  const fresh = !existsSync(listFile) || readFileSync(listFile, "utf8") !== list;
  if (fresh || readdirSync(join(dir, "lists")).filter((f) => f.includes("Sources")).length === 0) {
    writeFileSync(listFile, list);
    log(`reading Debian source indexes (${suites.join(", ")})`);
    sh("apt-get", [...opts, "-qq", "update"], { quiet: true });
  }
  return opts;
}

async function fetchTarball(name: string, pin: SourcePin): Promise<string> {
  const dl = join(THIRD_PARTY, "downloads");
  mkdirSync(dl, { recursive: true });
  const file = join(dl, pin.tarball);
  if (existsSync(file)) {
    await verifyChecksum(file, pin.sha256);
    return file;
  }
  if (!which("apt-get")) {
    throw new SetupError(`apt-get not found; set ${pin.envOverride} to an unpacked ${name} ${pin.version} tree`);
  }
  const allSuites = [...new Set(Object.values(readPins()).flatMap((p) => p.suites))];
  const opts = privateApt(allSuites);
  const errors: string[] = [];
  for (const suite of pin.suites) {
    log(`fetching ${pin.tarball} from Debian ${suite}`);
    const r = spawnSync("apt-get", [...opts, "-qq", "source", "--tar-only", "--download-only", `${pin.debianPackage}/${suite}`], {
      cwd: dl,
      encoding: "utf8",
    });
    if (existsSync(file)) break;
    errors.push(`${suite}: ${(r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").pop()}`);
  }
  if (!existsSync(file)) {
    throw new SetupError(
      `could not fetch ${pin.tarball} from Debian (${errors.join("; ")}). ` +
        `Set ${pin.envOverride} to an unpacked ${name} ${pin.version} tree to build without Debian.`,
    );
  }
  await verifyChecksum(file, pin.sha256);
  return file;
}

/** Returns the source tree for `name`: $XXX_SRC if set, else the verified, extracted tarball. */
export async function ensureSource(name: "lwip" | "mbedtls"): Promise<string> {
  const pin = readPins()[name];
  const override = process.env[pin.envOverride];
  if (override) {
    const probe = name === "lwip" ? "src/include/lwip/init.h" : "include/mbedtls/build_info.h";
    if (!existsSync(join(override, probe))) {
      throw new SetupError(`${pin.envOverride}=${override} does not look like a ${name} tree (no ${probe})`);
    }
    return resolve(override);
  }
  const tree = join(THIRD_PARTY, pin.topDir);
  const stamp = join(tree, ".lmw-sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === pin.sha256) return tree;
  const file = await fetchTarball(name, pin);
  rmSync(tree, { recursive: true, force: true });
  log(`extracting ${pin.tarball}`);
  sh("tar", ["-xf", file, "-C", THIRD_PARTY]);
  if (!existsSync(tree)) throw new SetupError(`${pin.tarball} did not contain ${pin.topDir}/`);
  writeFileSync(stamp, pin.sha256 + "\n");
  return tree;
}

// ---------------------------------------------------------------------------------
// Browser tests

/** Debian's chromium for the browser tests (`npm test`); installed when missing and root. */
function ensureChromium(): void {
  if (existsSync("/usr/bin/chromium") || which("chromium")) return;
  if (process.getuid?.() !== 0 || !which("apt-get")) {
    log("chromium not found (install Debian's `chromium` package); the browser tests will be skipped");
    return;
  }
  log("installing Debian's chromium package for the browser tests (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  sh("apt-get", ["update", "-qq"], { env });
  sh("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { env });
}

/** Debian's ccache under the Pico program builds (lwip-pico build): a second program
 *  with the same lwIP / Mbed TLS options reuses their objects. Optional. */
function ensureCcache(): void {
  if (which("ccache")) return;
  if (process.getuid?.() !== 0 || !which("apt-get")) {
    log("ccache not found (Debian's `ccache` package): Pico program builds will not share objects");
    return;
  }
  log("installing Debian's ccache package for the Pico program builds (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    sh("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "ccache"], { env });
  } catch (e) {
    log(`ccache could not be installed (${(e as Error).message.split("\n")[0]}); builds go on without it`);
  }
}

// ---------------------------------------------------------------------------------
// Build

/** Ninja when installed, else CMake's default (Unix Makefiles). */
export function cmakeGenerator(): string[] {
  return which("ninja") ? ["-G", "Ninja"] : [];
}

function cmakeBuild(kind: "wasm" | "native", lwip: string, mbedtls: string, toolchainId: string, force: boolean): void {
  const dir = join(BUILD, kind);
  const stamp = join(dir, ".lmw-toolchain");
  // A change of toolchain or source tree rebuilds from clean. (Debug output is not a
  // choice here: the WASM build always makes both lmw.wasm and lmw_debug.wasm.)
  const id = `${toolchainId}\n${lwip}\n${mbedtls}\n`;
  if (force || (existsSync(stamp) && readFileSync(stamp, "utf8") !== id)) rmSync(dir, { recursive: true, force: true });
  const generator = cmakeGenerator();
  const defs = [`-DLWIP_SRC=${lwip}`, `-DMBEDTLS_SRC=${mbedtls}`, `-DCMAKE_BUILD_TYPE=LmwRelease`];
  if (!existsSync(join(dir, "CMakeCache.txt"))) {
    mkdirSync(dir, { recursive: true });
    log(`configuring the ${kind} build`);
    if (kind === "wasm") sh("emcmake", ["cmake", ...generator, ...defs, "-S", ROOT, "-B", dir], { env: emEnv(), quiet: true });
    else sh("cmake", [...generator, ...defs, "-S", ROOT, "-B", dir], { quiet: true });
    writeFileSync(stamp, id);
  }
  log(`building ${kind}`);
  sh("cmake", ["--build", dir, "--parallel"], { env: emEnv(), quiet: true });
}

/** The published form: JavaScript and declarations in dist/, the module beside them.
 *  Skipped when nothing changed since the last run. */
function buildDist(): void {
  const stamp = join(ROOT, "dist", ".lmw-inputs");
  const inputs = [join(ROOT, "ts-bindings"), join(ROOT, "bin")];
  const newest = Math.max(...inputs.flatMap((d) => listFiles(d)).map((f) => statSync(f).mtimeMs));
  if (existsSync(stamp) && Number(readFileSync(stamp, "utf8")) >= newest) return;
  log("compiling TypeScript to dist/");
  sh(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(ROOT, "tsconfig.build.json")], { quiet: true });
  cpSync(join(ROOT, "ts-bindings", "wasm"), join(ROOT, "dist", "ts-bindings", "wasm"), { recursive: true });
  writeFileSync(stamp, String(newest));
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export async function setup(argv: string[] = []): Promise<void> {
  const force = argv.includes("--force-build");
  const t0 = Date.now();
  const lwip = await ensureSource("lwip");
  const mbedtls = await ensureSource("mbedtls");
  if (argv.includes("--only-sources")) return;
  const emcc = ensureEmscripten();
  const cc = sh("cc", ["--version"], { quiet: true }).split("\n")[0]!.trim();
  generateAll({ lwip, mbedtls });
  cmakeBuild("native", lwip, mbedtls, cc, force);
  cmakeBuild("wasm", lwip, mbedtls, emcc, force);
  buildDist();
  if (argv.includes("--for-tests")) {
    ensureChromium();
    ensureCcache();
    // A representative part of Mbed TLS's own suites, natively and in WASM.
    const { buildSuites, REPRESENTATIVE_SUITES } = await import("./mbedtls-tests.js");
    log("building a part of Mbed TLS's test suites (native, wasm)");
    await buildSuites("native", REPRESENTATIVE_SUITES);
    await buildSuites("wasm", REPRESENTATIVE_SUITES);
  }
  log(`ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  setup(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof SetupError) {
      process.stderr.write(`setup: error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  });
}
