// npm run pico -- <example> [target] [lwip-pico run options...]
// Builds examples/pico/<example> for WASM and runs it (the first program of the folder,
// or <target>) with `lwip-pico run`, on the simulated access point picow-lab / secret123.
//   npm run pico -- tcp_client tcp_client_poll --connect-to 127.0.0.1:7007:127.0.0.1:9000
import { LmwError } from "../ts-bindings/src/errors.js";
import { main } from "../ts-bindings/src/cli/pico.js";
import { buildPicoProgram } from "../ts-bindings/src/pico/build.js";

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  process.stderr.write("usage: npm run pico -- <example> [target] [lwip-pico run options...]\n(examples: the folders of examples/pico)\n");
  process.exit(2);
}
const target = rest[0] && !rest[0].startsWith("-") ? rest.shift() : undefined;
const ssid = "picow-lab";
const password = "secret123";
process.stderr.write(`building examples/pico/${name} (wasm)...\n`);
const artifacts = await buildPicoProgram({
  folder: new URL(`../examples/pico/${name}`, import.meta.url).pathname,
  platform: "wasm",
  targets: target ? [target] : undefined,
  defines: { WIFI_SSID: ssid, WIFI_PASSWORD: password },
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
