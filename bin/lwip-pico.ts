#!/usr/bin/env node
// lwip-pico: build Pico W programs for WASM or natively, and run them on a virtual network.
// The logic is in ts-bindings/src/cli/pico.ts; this file only hands it the process.
import { main } from "../ts-bindings/src/cli/pico.js";

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
process.exit(code);
