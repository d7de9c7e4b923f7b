// npm run pico -- <example> [target] [-D NAME=VALUE]... [--native] [lwip-pico run options...]
// Builds examples/pico/<example> (for WASM, or natively with --native) and runs it (the
// first program of the folder, or <target>) with `lwip-pico run`, on the simulated access
// point picow-lab / secret123. -D values go to the build (CMake cache variables: a
// program's server, port, CA file...), everything else to `lwip-pico run`.
//   npm run pico -- tcp_client tcp_client_poll --connect-to 127.0.0.1:7007:127.0.0.1:9000
//   npm run pico -- smtp_client -D SMTP_CA_FILE=ca.pem --connect-to pico.test:465:127.0.0.1:2465
import { LmwError } from "../ts-bindings/src/errors.js";
import { main } from "../ts-bindings/src/cli/pico.js";
import { buildPicoProgram } from "../ts-bindings/src/pico/build.js";

const usage = "usage: npm run pico -- <example> [target] [-D NAME=VALUE]... [--native] [lwip-pico run options...]\n(examples: the folders of examples/pico)\n";
const [name, ...rest] = process.argv.slice(2);
if (!name || name.startsWith("-")) {
  process.stderr.write(usage);
  process.exit(2);
}
const target = rest[0] && !rest[0].startsWith("-") ? rest.shift() : undefined;
const ssid = "picow-lab";
const password = "secret123";
const defines: Record<string, string> = { WIFI_SSID: ssid, WIFI_PASSWORD: password };
let platform: "wasm" | "native" = "wasm";
const runArgs: string[] = [];
for (let i = 0; i < rest.length; i++) {
  const arg = rest[i]!;
  if (arg === "--native") {
    platform = "native";
    continue;
  }
  if (arg === "-D" || arg.startsWith("-D")) {
    const def = arg === "-D" ? rest[++i] : arg.slice(2);
    const eq = def?.indexOf("=") ?? -1;
    if (!def || eq <= 0) {
      process.stderr.write(`npm run pico: -D wants NAME=VALUE\n${usage}`);
      process.exit(2);
    }
    defines[def.slice(0, eq)] = def.slice(eq + 1);
    continue;
  }
  runArgs.push(arg);
}
process.stderr.write(`building examples/pico/${name} (${platform})...\n`);
const artifacts = await buildPicoProgram({
  folder: new URL(`../examples/pico/${name}`, import.meta.url).pathname,
  platform,
  targets: target ? [target] : undefined,
  defines,
}).catch((e: unknown) => {
  process.stderr.write(`npm run pico: ${e instanceof LmwError ? `${e.code}: ${e.message}` : String(e)}\n`);
  process.exit(1);
});
const code = await main(["run", artifacts[0]!, "--ssid", ssid, "--password", password, ...runArgs], {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exit(code);
