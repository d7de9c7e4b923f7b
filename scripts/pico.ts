// npm run pico -- <example> [target] [-D NAME=VALUE]... [--native] [lwip-pico run options...]
// Builds examples/pico/<example> (for WASM, or natively with --native) and runs it (the
// first program of the folder, or <target>) with `lwip-pico run`, on the simulated access
// point picow-lab / secret123. -D values go to the build (CMake cache variables: a
// program's server, port, CA file...; a relative path in a *_FILE value is taken from the
// current directory), everything else to `lwip-pico run`.
//   npm run pico -- tcp_client tcp_client_poll --connect-to 127.0.0.1:7007:127.0.0.1:9000
//   npm run pico -- https_server --forward tcp:8443:443
//   npm run pico -- smtp_client -D SMTP_CA_FILE=ca.pem --connect-to pico.test:465:127.0.0.1:2465
// A TLS server (its CMakeLists reads TLS_CERT_FILE and TLS_KEY_FILE) gets a certificate
// from a local test CA kept under the build cache, unless -D names other files.
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { LmwError } from "../ts-bindings/src/errors.js";
import { main, parseDefine } from "../ts-bindings/src/cli/pico.js";
import { testCaFiles } from "../ts-bindings/src/node/testca.js";
import { buildPicoProgram, cacheRoot } from "../ts-bindings/src/pico/build.js";

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
  if (arg.startsWith("-D")) {
    const def = arg === "-D" ? rest[++i] : arg.slice(2);
    const define = def === undefined ? undefined : parseDefine(def);
    if (!define) {
      process.stderr.write(`npm run pico: -D ${def ?? ""}: want NAME=VALUE\n${usage}`);
      process.exit(2);
    }
    const [key, value] = define;
    defines[key] = key.endsWith("_FILE") && value ? resolve(value) : value;
    continue;
  }
  runArgs.push(arg);
}
const folder = new URL(`../examples/pico/${name}`, import.meta.url).pathname;
let cmake = "";
try {
  cmake = readFileSync(join(folder, "CMakeLists.txt"), "utf8");
} catch {
  // buildPicoProgram says what is missing
}
if (/\bTLS_CERT_FILE\b/.test(cmake) && !defines.TLS_CERT_FILE && !defines.TLS_KEY_FILE) {
  // The names a client reaches the program by: through --forward (localhost, 127.0.0.1),
  // on the LAN (its first lease), and the examples' own name.
  const pki = testCaFiles(join(cacheRoot(), "dev-pki"), { dnsNames: ["localhost", "pico.test"], ips: ["127.0.0.1", "10.0.2.15"], caName: "lwip-pico local test CA" });
  defines.TLS_CERT_FILE = pki.cert;
  defines.TLS_KEY_FILE = pki.key;
  const ca = relative(process.cwd(), pki.ca);
  process.stderr.write(`${name}: certificate for localhost and 127.0.0.1 from a local test CA (a day long): trust ${ca}, e.g. curl --cacert ${ca} https://localhost:<forwarded port>/\n`);
}
process.stderr.write(`building examples/pico/${name} (${platform})...\n`);
const artifacts = await buildPicoProgram({
  folder,
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
