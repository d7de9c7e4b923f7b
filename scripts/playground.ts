// `npm run playground`: builds the browser playground (examples/playground, Vite) and
// serves it from the shim, so the page and its Wisp endpoint share one origin - which is
// exactly what the shim's default Origin policy allows.
//
// The bundled Pico programs (examples/playground/pico/programs.ts) are built to WASM and
// served beside the page (pico/), for its Pico program mode.
//
//   npm run playground -- [--port 8080] [--host 127.0.0.1] [--allow-loopback] [--allow-private] [--no-build] [--no-pico]
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createShim, jsonLineLogger } from "../ts-bindings/src/shim/server.js";
import { buildBundledPrograms } from "../examples/playground/pico/build.js";
import { testPki } from "../test/helpers/pico.js";

const HELP = `Usage: npm run playground -- [options]

Builds examples/playground with Vite and serves it, with the Wisp shim at /wisp/.

  --port <n>          port to listen on (default 8080; 0 = any free port)
  --host <addr>       address to listen on (default 127.0.0.1)
  --allow-loopback    let the page reach servers on 127/8 and ::1 (local test servers)
  --allow-private     let the page reach RFC 1918 / link-local / unique-local addresses
  --no-build          serve the existing build as it is
  --no-pico           do not build the bundled Pico programs (Pico program mode then has none)
  --out-dir <dir>     where the build goes and is served from (default examples/playground/dist)
  --verbose           log every stream (JSON lines on stderr)
  -h, --help          this text
`;

const root = fileURLToPath(new URL("../examples/playground/", import.meta.url));
const defaultDist = fileURLToPath(new URL("../examples/playground/dist/", import.meta.url));

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        "allow-loopback": { type: "boolean", default: false },
        "allow-private": { type: "boolean", default: false },
        "no-build": { type: "boolean", default: false },
        "no-pico": { type: "boolean", default: false },
        "out-dir": { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: not a port number: ${values.port}\n`);
    return 2;
  }

  const dist = values["out-dir"] ? `${resolve(values["out-dir"])}/` : defaultDist;
  if (!values["no-build"]) {
    const { build } = await import("vite");
    const t0 = performance.now();
    await build({ configFile: `${root}vite.config.ts`, logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
    process.stdout.write(`built ${dist} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    if (!values["no-pico"]) {
      // The programs' certificates and compiled-in CA are the test PKI's (build/pico/test-pki),
      // as in the tests: the same -D values, so the same cached builds.
      const t1 = performance.now();
      try {
        const { failed } = await buildBundledPrograms(`${dist}pico`, testPki(), (line) => process.stdout.write(`${line}\n`));
        const n = Object.keys(failed).length;
        process.stdout.write(`built the Pico programs in ${((performance.now() - t1) / 1000).toFixed(1)} s${n ? ` (${n} not built: ${Object.keys(failed).join(", ")})` : ""}\n`);
      } catch (e) {
        process.stderr.write(`the Pico programs were not built (Pico program mode will have none): ${(e as Error).message}\n`);
      }
    }
  }
  if (!existsSync(`${dist}index.html`)) {
    process.stderr.write(`${dist}index.html is missing: run without --no-build\n`);
    return 1;
  }

  const shim = await createShim({
    host: values.host,
    port,
    staticDir: dist,
    allowLoopback: values["allow-loopback"],
    allowPrivate: values["allow-private"],
    logger: jsonLineLogger((line) => process.stderr.write(line), values.verbose ? "debug" : "warn"),
  });
  const host = shim.address.includes(":") ? `[${shim.address}]` : shim.address;
  process.stdout.write(`playground: http://${host}:${shim.port}/\n`);
  process.stdout.write(`wisp:       ${shim.url}\n`);
  // Whether the page can reach servers on this machine is the first thing a local test
  // runs into: say it either way.
  process.stdout.write(values["allow-loopback"]
    ? "loopback:   allowed (the page can reach servers on 127.0.0.0/8 and ::1)\n"
    : "loopback:   refused (add --allow-loopback to reach servers on this machine)\n");
  process.stdout.write(values["allow-private"]
    ? "private:    allowed (RFC 1918, link-local and unique-local addresses)\n"
    : "private:    refused (add --allow-private for addresses on your LAN)\n");

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await shim.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
