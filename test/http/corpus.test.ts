// Runs llhttp's published response cases (converted into cases.json) through our
// parser: whole, and split in two at every byte offset. Cases where we are
// deliberately stricter are listed in DEVIATIONS with the reason, and checked to
// really behave that way, so the list cannot go stale.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ResponseParser, type ParseEvent } from "../../ts-bindings/src/http/parser.js";

interface ExpectedMessage {
  status: number;
  version: string;
  headers: Array<[string, string]>;
  body: string;
  complete: boolean;
  headersEnd: number;
}
interface CorpusCase {
  id: string;
  type: string;
  skipBody: boolean;
  input: string;
  expected: { messages: ExpectedMessage[]; error: { offset: number; reason: string } | null; finishOk: boolean };
}

const corpus = JSON.parse(readFileSync(new URL("../fixtures/http-response-corpus/cases.json", import.meta.url), "utf8")) as {
  source: { commits: Record<string, string> };
  cases: CorpusCase[];
};

interface Outcome {
  messages: ExpectedMessage[];
  error: string | null;
}

const LENIENT = "llhttp's lenient flags relax a rule on request; we offer no lenient mode, so we reject as llhttp does in its default (strict) mode";

/** Cases where we differ from llhttp on purpose. `error` is what our error message must match. */
export const DEVIATIONS: Record<string, { reason: string; error: RegExp }> = {
  "sample/rtsp-response": { reason: "llhttp also parses RTSP; we are an HTTP client and accept only HTTP/1.x", error: /does not start with "HTTP\/"/ },
  "sample/ice-response": { reason: "llhttp also parses ICE; we accept only HTTP/1.x", error: /does not start with "HTTP\/"/ },
  "sample/http-version-0-9": { reason: "HTTP/0.9 has no status line, so \"HTTP/0.9 200\" is bogus; we speak HTTP/1.x only", error: /unsupported HTTP version 0\.9/ },
  "sample/no-carriage-ret-lenient": { reason: LENIENT, error: /bare LF/ },
  "invalid/only-lfs-present-and-no-body-lenient": { reason: LENIENT, error: /bare LF/ },
  "invalid/only-lfs-present-lenient": { reason: LENIENT, error: /bare LF/ },
  "lenient-version/invalid-http-version-with-lenient": { reason: LENIENT, error: /unsupported HTTP version 5\.6/ },
  "transfer-encoding/invalid-obs-fold-after-chunked-value": { reason: LENIENT + " (obs-fold)", error: /obs-fold/ },
  "connection/http-1-1-with-keep-alive-disabled-content-length-lenient": { reason: LENIENT + " (data after Connection: close)", error: /Connection: close/ },
  "connection/http-1-1-with-keep-alive-disabled-and-204-status-lenient": { reason: LENIENT + " (data after Connection: close)", error: /Connection: close/ },
  "connection/http-101-response-with-upgrade-and-content-length-header": {
    reason: "llhttp reports the 101 and pauses for the upgrade; we never send Upgrade, so a 101 is a protocol error (RFC 9110 15.2.2)",
    error: /unexpected 101/,
  },
  "connection/http-101-response-with-upgrade-and-transfer-encoding-header": {
    reason: "as above: a 101 without a requested upgrade is an error for us",
    error: /unexpected 101/,
  },
  "transfer-encoding/chunked-before-other-transfer-encoding": {
    reason: "llhttp reads until close when chunked is not last; we never send TE, so a server may apply no coding but chunked (RFC 9112 7.4), and handing undecoded bytes to the caller would be wrong: reject",
    error: /unsupported Transfer-Encoding "chunked, deflate"/,
  },
  "transfer-encoding/multiple-transfer-encoding-where-chunked-is-not-the-last-one": {
    reason: "same rule: \"identity\" is no longer a transfer coding (RFC 9112) and chunked must be the only one",
    error: /unsupported Transfer-Encoding "chunked, identity"/,
  },
  "transfer-encoding/chunkedchunked-transfer-encoding-does-not-enable-chunked-enconding": {
    reason: "llhttp reads an unknown coding until close; we reject unknown transfer codings",
    error: /unsupported Transfer-Encoding "chunkedchunked"/,
  },
};

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Feeds `input` in the given pieces, following messages across keep-alive. */
function run(c: CorpusCase, pieces: Uint8Array[]): Outcome {
  const method = c.skipBody ? "HEAD" : "GET";
  const p = new ResponseParser();
  p.setMethod(method);
  const messages: ExpectedMessage[] = [];
  let cur: ExpectedMessage | null = null;
  let error: string | null = null;
  const handle = (events: ParseEvent[]) => {
    for (const ev of events) {
      if (ev.type === "head") {
        cur = {
          status: ev.head.status,
          version: `${ev.head.versionMajor}.${ev.head.versionMinor}`,
          headers: ev.head.headers,
          body: "",
          complete: false,
          headersEnd: ev.head.headEndOffset,
        };
        messages.push(cur);
      } else if (ev.type === "body") {
        cur!.body += latin1(ev.data);
      } else if (ev.type === "end") {
        cur!.complete = true;
      } else if (ev.type === "error") {
        error ??= ev.error.message;
        expect(ev.error.code).toMatch(/^ERR_HTTP_/);
        expect(ev.error.layer).toBe("http");
      }
    }
    // Continue on the same connection when allowed; a closing message followed by
    // more bytes is reported by nextMessage().
    while (error === null && p.done && (p.head!.keepAlive || p.leftover.length > 0)) handle(p.nextMessage(method));
  };
  for (const piece of pieces) {
    if (error !== null) break;
    handle(p.execute(piece));
  }
  if (error === null && c.type === "response-finish") {
    // llhttp's log stops at llhttp_finish(): compare what came before, and require EOF
    // to be accepted.
    const before = structuredClone(messages);
    handle(p.finish());
    return { messages: before, error };
  }
  return { messages, error };
}

function normalise(m: ExpectedMessage[]): ExpectedMessage[] {
  // llhttp reports header values without trailing OWS trimmed; RFC 9110 5.5 excludes it.
  return m.map((x) => ({ ...x, headers: x.headers.map(([n, v]) => [n, v.replace(/[ \t]+$/, "")] as [string, string]) }));
}

function matchesLlhttp(c: CorpusCase, o: Outcome): boolean {
  try {
    expect(normalise(o.messages)).toEqual(normalise(c.expected.messages));
    expect(o.error !== null).toBe(c.expected.error !== null);
    return true;
  } catch {
    return false;
  }
}

describe("llhttp response corpus", () => {
  it("is the converted corpus with its provenance", () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(70);
    expect(Object.keys(corpus.source.commits).length).toBe(9);
    for (const id of Object.keys(DEVIATIONS)) expect(corpus.cases.some((c) => c.id === id), id).toBe(true);
  });

  for (const c of corpus.cases) {
    const deviation = DEVIATIONS[c.id];
    it(`${c.id}${deviation ? " (deliberate deviation)" : ""}`, () => {
      const input = bytesOf(c.input);
      const whole = run(c, [input]);
      if (deviation) {
        expect(matchesLlhttp(c, whole), "listed as a deviation but matches llhttp: remove it from DEVIATIONS").toBe(false);
        expect(whole.error).toMatch(deviation.error);
      } else {
        expect(normalise(whole.messages)).toEqual(normalise(c.expected.messages));
        if (c.expected.error) expect(whole.error, `llhttp: ${c.expected.error.reason}`).not.toBeNull();
        else expect(whole.error).toBeNull();
      }
      // Same outcome whatever the split point.
      for (let i = 0; i <= input.length; i++) {
        const split = run(c, [input.subarray(0, i), input.subarray(i)]);
        expect(split, `split at ${i}`).toEqual(whole);
      }
      // And byte by byte.
      expect(run(c, Array.from(input, (b) => Uint8Array.of(b)))).toEqual(whole);
    });
  }
});
