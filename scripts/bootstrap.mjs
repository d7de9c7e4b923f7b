// First step of `npm start`, `npm test`, `npm run https` and `npm run setup`, in plain
// JavaScript because it runs before any npm package (TypeScript, tsx) is installed. It
// installs the locked npm packages when they are missing or stale, then hands over to
// scripts/setup.ts, which does the rest (emscripten, sources, build).
//
// Up to date is decided here, cheaply, without starting tsx or CMake: a digest of every
// input the set-up reads (path, size and mtime of our sources, build files and scripts;
// the toolchain binaries; Node's version, which fixes the CA bundle; the arguments) and of
// the outputs it leaves, stored after the last successful set-up. Equal digest: nothing to
// do, silently. Any difference, or --force-build: the full set-up, which rebuilds what
// changed. Measured: README "Set-up check".
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const stamp = join(root, "node_modules", ".lmw-lock-sha256");
const args = process.argv.slice(2);
// One stamp per argument list: `npm test` (--for-tests) and `npm run https` do not undo
// each other's. --for-tests does all a plain set-up does, so it stamps that one too.
const stampFor = (list) => join(root, "build", `.lmw-ready${list.length ? `-${list.join("_").replace(/[^\w-]/g, "")}` : ""}`);

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit" });
  if (r.error) {
    console.error(`setup: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Inputs and outputs, as "path size mtime" lines; directories are walked. */
const INPUT_DIRS = ["native", "wasm", "scripts", "ts-bindings", "bin"];
const SKIP = new Set(["ts-bindings/wasm", "ts-bindings/src/ffi/generated", "wasm/out"]);
const FILES = ["CMakeLists.txt", "sources.json", "package-lock.json", "package.json", "tsconfig.json", "tsconfig.build.json"];
// ts-bindings/wasm is walked: the release and debug modules (lmw*.wasm, lmw_debug*, their
// glue) and the root CAs (ca-bundle.der); the two named ones also count when missing.
const OUTPUTS = ["ts-bindings/wasm", "ts-bindings/wasm/lmw_debug.wasm", "ts-bindings/wasm/ca-bundle.der", "ts-bindings/src/ffi/generated", "build/native/build.ninja", "build/native/Makefile",
  "build/native/liblmw.so", "build/wasm/CMakeCache.txt", "dist/.lmw-inputs", "build/mbedtls-tests-native", "build/mbedtls-tests-wasm"];
const TOOLS = ["emcc", "cc", "cmake", "ninja"];

function entry(rel) {
  try {
    const s = statSync(join(root, rel));
    return `${rel} ${s.size} ${s.mtimeMs}`;
  } catch {
    return `${rel} -`;
  }
}

function walk(rel, out, skip = true) {
  if (skip && SKIP.has(rel)) return;
  let items;
  try {
    items = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    out.push(`${rel} -`);
    return;
  }
  for (const e of items) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) walk(child, out, skip);
    else out.push(entry(child));
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, name);
    try {
      const s = statSync(realpathSync(p));
      return `${name} ${realpathSync(p)} ${s.size} ${s.mtimeMs}`;
    } catch {
      // not here
    }
  }
  return `${name} -`;
}

function digest(list) {
  const lines = [JSON.stringify([list, process.version, process.env.LWIP_SRC ?? "", process.env.MBEDTLS_SRC ?? "", process.env.LMW_THIRD_PARTY ?? ""])];
  for (const d of INPUT_DIRS) walk(d, lines);
  for (const f of FILES) lines.push(entry(f));
  for (const o of OUTPUTS) {
    lines.push(entry(o));
    if (SKIP.has(o)) walk(o, lines, false);
  }
  const thirdParty = process.env.LMW_THIRD_PARTY ?? join(root, "third_party");
  try {
    for (const d of readdirSync(thirdParty)) lines.push(`${d} ${existsSync(join(thirdParty, d, ".lmw-sha256")) ? readFileSync(join(thirdParty, d, ".lmw-sha256"), "utf8").trim() : "-"}`);
  } catch {
    lines.push("third_party -");
  }
  for (const t of TOOLS) lines.push(onPath(t));
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
const have = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
if (want !== have) {
  console.error("setup: installing npm packages (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, want + "\n");
}

const force = args.includes("--force-build");
const ready = existsSync(stampFor(args)) ? readFileSync(stampFor(args), "utf8").trim() : "";
if (!force && ready === digest(args)) process.exit(0);

run(join(root, "node_modules", ".bin", "tsx"), [join(root, "scripts", "setup.ts"), ...args]);
if (!args.includes("--only-sources")) {
  mkdirSync(join(root, "build"), { recursive: true });
  const done = args.filter((a) => a !== "--force-build");
  for (const list of done.length === 1 && done[0] === "--for-tests" ? [done, []] : [done]) writeFileSync(stampFor(list), digest(list) + "\n");
}
