#!/usr/bin/env node
// lwip-https: curl-like HTTPS through the embedded lwIP + Mbed TLS stack.
// The logic is in ts-bindings/src/cli/https.ts; this file only hands it the process.
import { main } from "../ts-bindings/src/cli/https.js";

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// Everything is flushed by main (it awaits its writes); exit without waiting for
// stray handles, as a command line tool should.
process.exit(code);
