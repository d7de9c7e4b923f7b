// npm run fuzz:http -- [minutes] [seed]: the differential fuzz of our HTTP response parser
// against Node's llhttp (test/http/fuzz.test.ts runs a bounded part of it in npm test),
// for as long as asked (default 5 minutes). Prints how often the parsers agreed and each
// known difference with its RFC verdict; exits 1 with a shrunk counterexample on any
// difference that test/http/known-differences.ts does not explain.
import fc from "fast-check";
import { compareCase, KNOWN_DIFFERENCES } from "../test/http/known-differences.js";
import { responseCase } from "../test/http/response-arbitrary.js";

const minutes = Number(process.argv[2] ?? 5);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!(minutes > 0)) {
  console.error("usage: npm run fuzz:http -- [minutes] [seed]");
  process.exit(2);
}
const counts = new Map<string, number>();
let runs = 0;
console.log(`fuzzing for ${minutes} min, seed ${seed}`);
const result = await fc.check(
  fc.asyncProperty(responseCase, async (c) => {
    const outcome = await compareCase(c);
    runs++;
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }),
  { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: minutes * 60_000, markInterruptAsFailure: false },
);
console.log(`${runs} responses; agreed on ${counts.get("agreed") ?? 0}`);
for (const k of KNOWN_DIFFERENCES) console.log(`  ${String(counts.get(k.id) ?? 0).padStart(7)}  ${k.id} (RFC backs: ${k.rfc}): ${k.why}`);
if (result.failed) {
  console.error(fc.defaultReportMessage(result));
  process.exit(1);
}
