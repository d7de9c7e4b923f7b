// npm run pico -- <example> [target] [-D NAME=VALUE]... [lwip-pico run options...]
// Builds examples/pico/<example> for WASM and runs it (the first program of the folder,
// or <target>) with `lwip-pico run`, on the simulated access point picow-lab / secret123.
// -D sets the build's CMake variables (a relative path in a *_FILE value is taken from here).
//   npm run pico -- tcp_client tcp_client_poll --connect-to 127.0.0.1:7007:127.0.0.1:9000
//   npm run pico -- mqtt_client -D MQTT_CA_FILE=ca.pem --connect-to mqtt.pico.test:8883:127.0.0.1:8883
import { resolve } from "node:path";
import { LmwError } from "../ts-bindings/src/errors.js";
import { main } from "../ts-bindings/src/cli/pico.js";
import { buildPicoProgram } from "../ts-bindings/src/pico/build.js";

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  process.stderr.write("usage: npm run pico -- <example> [target] [-D NAME=VALUE]... [lwip-pico run options...]\n(examples: the folders of examples/pico)\n");
  process.exit(2);
}
const target = rest[0] && !rest[0].startsWith("-") ? rest.shift() : undefined;
const ssid = "picow-lab";
const password = "secret123";
const defines: Record<string, string> = { WIFI_SSID: ssid, WIFI_PASSWORD: password };
for (let i = 0; i < rest.length; ) {
  const d = rest[i] === "-D" ? rest[i + 1] : rest[i]!.startsWith("-D") ? rest[i]!.slice(2) : undefined;
  if (d === undefined) {
    i++;
    continue;
  }
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(d);
  if (!m) {
    process.stderr.write(`npm run pico: -D ${d}: want NAME=VALUE\n`);
    process.exit(2);
  }
  defines[m[1]!] = m[1]!.endsWith("_FILE") && m[2] ? resolve(m[2]) : m[2]!;
  rest.splice(i, rest[i] === "-D" ? 2 : 1);
}
process.stderr.write(`building examples/pico/${name} (wasm)...\n`);
const artifacts = await buildPicoProgram({
  folder: new URL(`../examples/pico/${name}`, import.meta.url).pathname,
  platform: "wasm",
  targets: target ? [target] : undefined,
  defines,
}).catch((e: unknown) => {
  process.stderr.write(`npm run pico: ${e instanceof LmwError ? `${e.code}: ${e.message}` : String(e)}\n`);
  process.exit(1);
});
const code = await main(["run", artifacts[0]!, "--ssid", ssid, "--password", password, ...rest], {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exit(code);
