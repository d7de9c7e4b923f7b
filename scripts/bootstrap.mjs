// First step of `npm start`, `npm test` and `npm run setup`, in plain JavaScript because
// it runs before any npm package (TypeScript, tsx) is installed. It installs the locked
// npm packages when they are missing or stale, then hands over to scripts/setup.ts,
// which does the rest (emscripten, sources, build). Idempotent: a no-op when all is in place.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const stamp = join(root, "node_modules", ".lmw-lock-sha256");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.error) {
    console.error(`setup: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const want = createHash("sha256").update(readFileSync(lock)).digest("hex");
const have = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
if (want !== have) {
  console.error("setup: installing npm packages (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, want + "\n");
}

run(join(root, "node_modules", ".bin", "tsx"), [join(root, "scripts", "setup.ts"), ...process.argv.slice(2)]);
