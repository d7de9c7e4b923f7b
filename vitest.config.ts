import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The shared machine has 2 cores; WASM instances and real servers per file.
    pool: "forks",
    maxWorkers: 2,
  },
});
