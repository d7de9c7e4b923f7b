// Pico W programs' numbers (`npm run bench` runs this after the library's own):
//   - a warm-cache rebuild of a program (its source touched, the build cache in place);
//   - time from runPicoProgram() to the program's first line (main reached), WASM;
//   - the WASM program module's size (whole-program ASYNCIFY).
// Timed here, never in tests; take the median of runs.
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createNetwork } from "../ts-bindings/src/network.js";
import { buildPicoProgram } from "../ts-bindings/src/pico/build.js";
import { runPicoProgram } from "../ts-bindings/src/pico/run.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const folder = new URL("../examples/pico/tcp_client", import.meta.url).pathname;
const defines = { WIFI_SSID: "picow-lab", WIFI_PASSWORD: "secret123" };

for (const platform of ["wasm", "native"] as const) {
  await buildPicoProgram({ folder, platform, targets: ["tcp_client_poll"], defines }); // cache in place
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const now = new Date();
    utimesSync(join(folder, "tcp_client.c"), now, now);
    const t0 = performance.now();
    await buildPicoProgram({ folder, platform, targets: ["tcp_client_poll"], defines });
    times.push(performance.now() - t0);
  }
  console.log(`Pico program rebuild, warm cache (${platform}, tcp_client_poll, source touched): median ${(median(times) / 1000).toFixed(1)} s of ${RUNS}`);
}

const [wasm] = await buildPicoProgram({ folder, platform: "wasm", targets: ["tcp_client_poll"], defines });
const bytes = readFileSync(wasm!);
console.log(`Pico program module (tcp_client_poll.wasm, ASYNCIFY): ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped`);

const toMain: number[] = [];
for (let i = 0; i < Math.max(RUNS, 5); i++) {
  await using net = await createNetwork({ device: false });
  const controller = new AbortController();
  const t0 = performance.now();
  let first = 0;
  const run = runPicoProgram(net, wasm!, {
    signal: controller.signal,
    stdout: () => {
      if (!first) {
        first = performance.now() - t0;
        controller.abort();
      }
    },
  });
  await run.catch(() => {});
  toMain.push(first);
}
console.log(`WASM Pico program, runPicoProgram() to its first printf in main: median ${median(toMain).toFixed(1)} ms of ${toMain.length}`);
