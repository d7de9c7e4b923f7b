#!/usr/bin/env node
// lwip-shim: the Wisp WebSocket-to-TCP/UDP relay. The logic is in
// ts-bindings/src/cli/shim.ts; this file only hands it the process.
import { main } from "../ts-bindings/src/cli/shim.js";

const stopped = new Promise<string>((resolve) => {
  const stop = (signal: string) => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    resolve(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stopped }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", event: "fatal", error: String(err) })}\n`);
    process.exitCode = 1;
  },
);
