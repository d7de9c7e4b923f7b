// Where our response parser and llhttp (Node's) are known to disagree, and which side
// RFC 9112 (with RFC 9110, which it builds on) backs. The fuzz test fails on any
// disagreement not matched here, so this list cannot silently grow; each entry's
// `matches` looks at the input and both outcomes, not only at an error text.
import { isDeepStrictEqual } from "node:util";
import { llhttp, normalise, ours, type Outcome } from "./differential.js";

export type Verdict = "ours" | "llhttp" | "either";

export interface KnownDifference {
  id: string;
  /** Which behaviour the RFCs back; "either": the RFC lets a recipient do both. */
  rfc: Verdict;
  why: string;
  matches(input: string, ours: Outcome, theirs: Outcome): boolean;
}

const err = (o: Outcome, re: RegExp) => o.kind === "error" && re.test(o.why);
const ok = (o: Outcome) => o.kind === "ok";
const statusLine = (input: string) => input.slice(0, Math.max(0, input.indexOf("\n")));

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    id: "transfer-encoding-in-http-1.0",
    rfc: "ours",
    why: "RFC 9112 6.1: a client that receives an HTTP/1.0 message containing Transfer-Encoding MUST treat the framing as faulty; llhttp decodes it as chunked",
    matches: (i, o, t) => err(o, /Transfer-Encoding in an HTTP\/1\.0 response/) && ok(t) && /^HTTP\/1\.0 /.test(i.replace(/^[\r\n]+/, "")),
  },
  {
    id: "chunked-applied-twice",
    rfc: "ours",
    why: "RFC 9112 7.1: a sender MUST NOT apply chunked more than once; \"chunked, chunked\" cannot be decoded as labelled, llhttp decodes once",
    matches: (_i, o, t) => err(o, /unsupported Transfer-Encoding "chunked(, chunked)+"/) && ok(t),
  },
  {
    id: "transfer-coding-not-requested",
    rfc: "llhttp",
    why: "RFC 9112 6.3 (rule 4) frames such a body (chunked if final, else until close) and llhttp does; we send no TE, so a server may apply no coding but chunked (RFC 9110 10.1.4), and we refuse rather than hand undecoded bytes to the caller (deliberate)",
    matches: (_i, o, t) => err(o, /unsupported Transfer-Encoding "(?!chunked(, chunked)+")/) && ok(t),
  },
  {
    id: "http-major-version",
    rfc: "ours",
    why: "RFC 9110 2.5: the major version names the message syntax; a client that speaks HTTP/1.x cannot parse an \"HTTP/2.0\" (or 0.x) message as HTTP/1; llhttp accepts it",
    matches: (i, o, t) => err(o, /unsupported HTTP version [02-9]\.\d/) && ok(t) && /^HTTP\/[02-9]\./.test(statusLine(i)),
  },
  {
    id: "http-higher-minor-version",
    rfc: "ours",
    why: "RFC 9110 2.5: a recipient SHOULD process a higher minor version as the highest it implements (1.1); llhttp refuses HTTP/1.2..1.9",
    matches: (i, o, t) => ok(o) && err(t, /HPE_INVALID_VERSION/) && /^HTTP\/1\.[2-9] /.test(statusLine(i)),
  },
  {
    id: "content-length-repeated-same-value",
    rfc: "either",
    why: "RFC 9110 8.6: for repeated identical Content-Length values a recipient MAY reject the message or use the single value; we use it, llhttp rejects",
    matches: (i, o, t) => {
      if (!ok(o) || !err(t, /HPE_(UNEXPECTED|INVALID)_CONTENT_LENGTH/)) return false;
      const head = i.slice(0, i.indexOf("\r\n\r\n"));
      const values = [...head.matchAll(/^content-length:[ \t]*([^\r\n]*)$/gim)].flatMap((m) => m[1]!.split(",").map((v) => v.trim()));
      return values.length > 1 && values.every((v) => /^\d+$/.test(v) && Number(v) === Number(values[0]));
    },
  },
  {
    id: "status-code-out-of-range",
    rfc: "llhttp",
    why: "RFC 9110 15: a status outside 100-599 is invalid, but a client SHOULD process it as a 5xx; llhttp reports it, we fail (a WHATWG Response cannot carry it; the fetch layer would have to map it to 5xx: not done)",
    matches: (i, o, t) => err(o, /status code \d+ out of range 100-599/) && ok(t) && /^HTTP\/1\.\d \d{3}(?:\s|$)/.test(statusLine(i)),
  },
  {
    id: "whitespace-before-chunk-extension",
    rfc: "ours",
    why: "RFC 9112 7.1.1: chunk-ext = *( BWS \";\" BWS ext-name ... ): whitespace before \";\" is allowed; llhttp (strict) rejects it",
    matches: (i, o, t) => ok(o) && t.kind === "error" && /\r\n[0-9a-fA-F]+[ \t]+;/.test(i.slice(i.indexOf("\r\n\r\n"))),
  },
  {
    id: "control-character-in-reason-phrase",
    rfc: "ours",
    why: "RFC 9112 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): no NUL or other control characters; llhttp accepts them",
    matches: (i, o, t) => err(o, /invalid character 0x[01][0-9a-f] in reason phrase|invalid character 0x7f in reason phrase/) && ok(t) && /[\x00-\x08\x0a-\x1f\x7f]/.test(statusLine(i).replace(/\r$/, "")),
  },
  {
    id: "bare-cr",
    rfc: "ours",
    why: "RFC 9112 2.2: a bare CR in a protocol element MUST be treated as invalid (or replaced by SP); llhttp skips a CR before the status line",
    matches: (i, o, t) => err(o, /CR not followed by LF/) && ok(t) && /\r(?!\n)/.test(i),
  },
  {
    id: "bare-lf",
    rfc: "either",
    why: "RFC 9112 2.2: a recipient MAY recognise a single LF as a line terminator; llhttp skips LFs before the status line, we accept CRLF only",
    matches: (i, o, t) => err(o, /bare LF/) && ok(t) && /(?<!\r)\n/.test(i),
  },
];

/** The entry explaining a disagreement, if any. */
export function explain(input: Uint8Array, ours: Outcome, theirs: Outcome): KnownDifference | undefined {
  let text = "";
  for (const b of input) text += String.fromCharCode(b);
  return KNOWN_DIFFERENCES.find((k) => k.matches(text, ours, theirs));
}

/** One generated case through both parsers. Throws on a disagreement no entry explains,
 *  or if our parser's outcome depends on how the input was split; otherwise says whether
 *  the parsers agreed or which known difference this was. Shared by the fuzz test and
 *  `npm run fuzz:http`. */
export async function compareCase(c: { bytes: Uint8Array; method: string; splits: number[] }): Promise<"agreed" | string> {
  const whole = ours(c.bytes, c.method);
  const split = ours(c.bytes, c.method, c.splits);
  if (!isDeepStrictEqual(split, whole)) {
    throw new Error(`our parser depends on the split (${c.splits.join(",")}): ${JSON.stringify(split)} vs ${JSON.stringify(whole)}`);
  }
  const theirs = await llhttp(c.bytes, c.method);
  if (isDeepStrictEqual(normalise(whole), normalise(theirs))) return "agreed";
  const known = explain(c.bytes, whole, theirs);
  if (!known) throw new Error(`unexplained disagreement: ours ${JSON.stringify(whole)}, llhttp ${JSON.stringify(theirs)}`);
  return known.id;
}
