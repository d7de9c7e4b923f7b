// Differential fuzzing of our response parser and chunked decoder against Node's own
// llhttp, with fast-check inputs (test/http/response-arbitrary.ts). A bounded run here;
// `npm run fuzz:http -- <minutes>` runs the same property for longer.
//
// For each generated response: our parser must give the same outcome at any split of the
// input, and the same outcome as llhttp (status, header fields, body; or both fail),
// unless the disagreement is one listed in known-differences.ts, where the RFC verdict
// for each is written down. fast-check shrinks a failing case to a small one.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { llhttp, normalise, ours } from "./differential.js";
import { compareCase, explain, KNOWN_DIFFERENCES } from "./known-differences.js";
import { responseCase } from "./response-arbitrary.js";

const RUNS = 1000;

describe("response parser vs llhttp (differential, fast-check)", () => {
  it(`agrees on ${RUNS} generated responses, or the difference is a known one`, async () => {
    let agreed = 0;
    await fc.assert(
      fc.asyncProperty(responseCase, async (c) => {
        if ((await compareCase(c)) === "agreed") agreed++;
      }),
      { numRuns: RUNS },
    );
    // The generator must mostly produce responses both parsers accept or both refuse,
    // or this test would compare nothing.
    expect(agreed).toBeGreaterThan(RUNS / 2);
  });

  it("each known difference is real: a hand-made case shows it, with the verdict stated", async () => {
    const examples: Record<string, [string, "GET" | "HEAD"]> = {
      "transfer-encoding-in-http-1.0": ["HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", "GET"],
      "chunked-applied-twice": ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", "GET"],
      "transfer-coding-not-requested": ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", "GET"],
      "http-major-version": ["HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "http-higher-minor-version": ["HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "content-length-repeated-same-value": ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "status-code-out-of-range": ["HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "whitespace-before-chunk-extension": ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ;x=y\r\nhi\r\n0\r\n\r\n", "GET"],
      "control-character-in-reason-phrase": ["HTTP/1.1 200 O\0K\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "bare-cr": ["\rHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "GET"],
      "bare-lf": ["\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "GET"],
    };
    expect(Object.keys(examples).sort()).toEqual(KNOWN_DIFFERENCES.map((k) => k.id).sort());
    for (const k of KNOWN_DIFFERENCES) {
      const [text, method] = examples[k.id]!;
      const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
      const a = ours(bytes, method);
      const b = await llhttp(bytes, method);
      expect(isDeepStrictEqual(normalise(a), normalise(b)), k.id).toBe(false);
      expect(explain(bytes, a, b)?.id, k.id).toBe(k.id);
      expect(["ours", "llhttp", "either"]).toContain(k.rfc);
    }
  });
});
