// fast-check arbitraries for HTTP/1.x responses: mostly well-formed (so both parsers get
// deep into heads, framing and chunked bodies), then bent by a few mutations where
// parsers tend to differ (line endings, whitespace, duplicated or conflicting framing
// fields, chunk-size syntax, stray bytes).
import fc from "fast-check";

export interface ResponseCase {
  method: "GET" | "HEAD";
  bytes: Uint8Array;
  /** Offsets where our parser gets the input cut (it must not matter). */
  splits: number[];
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const vchar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const fieldText = fc.string({ unit: fc.oneof({ weight: 8, arbitrary: vchar }, { weight: 2, arbitrary: fc.constantFrom(" ", "\t") },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) }), maxLength: 16 });
const ows = fc.constantFrom("", " ", "  ", "\t", " \t");
const bodyBytes = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });

const header = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(token, ows, fieldText, ows).map(([n, a, v, b]) => `${n}:${a}${v}${b}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("Connection", "connection"), ows, fc.constantFrom("close", "keep-alive", "Close", "upgrade, close")).map(([n, a, v]) => `${n}:${a}${v}`) },
);

const chunkExt = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.tuple(ows, token, fc.option(fc.oneof(token, fc.string({ unit: fc.constantFrom("a", " ", ";", "\\\"", "\\\\", "="), maxLength: 6 }).map((s) => `"${s}"`)), { nil: undefined }))
    .map(([w, n, v]) => `${w};${n}${v === undefined ? "" : `=${v}`}`) },
);

/** A chunked body: chunks with their size lines, the last chunk, trailers. */
const chunked = fc.tuple(
  fc.array(fc.tuple(bodyBytes(40).filter((s) => s.length > 0), fc.constantFrom("lower", "upper", "zeros"), chunkExt), { maxLength: 4 }),
  chunkExt,
  fc.array(header, { maxLength: 2 }),
).map(([chunks, lastExt, trailers]) => {
  let out = "";
  let body = "";
  for (const [data, style, ext] of chunks) {
    let size = data.length.toString(16);
    if (style === "upper") size = size.toUpperCase();
    if (style === "zeros") size = `00${size}`;
    out += `${size}${ext}\r\n${data}\r\n`;
    body += data;
  }
  out += `0${lastExt}\r\n${trailers.map((t) => `${t}\r\n`).join("")}\r\n`;
  return { wire: out, body };
});

const framing = fc.oneof(
  bodyBytes(60).map((b) => ({ fields: [`Content-Length: ${b.length}`], wire: b })),
  chunked.map((c) => ({ fields: ["Transfer-Encoding: chunked"], wire: c.wire })),
  bodyBytes(40).map((b) => ({ fields: [] as string[], wire: b })), // read until close
  // Fields that parsers treat differently: several Content-Length, both framings, codings.
  fc.tuple(bodyBytes(30), fc.constantFrom("same", "list", "different", "zeros", "plus", "space")).map(([b, how]) => {
    const n = b.length;
    const fields = how === "same" ? [`Content-Length: ${n}`, `Content-Length: ${n}`]
      : how === "list" ? [`Content-Length: ${n}, ${n}`]
      : how === "different" ? [`Content-Length: ${n}`, `Content-Length: ${n + 1}`]
      : how === "zeros" ? [`Content-Length: 000${n}`]
      : how === "plus" ? [`Content-Length: +${n}`]
      : [`Content-Length: ${n} ${n}`];
    return { fields, wire: b };
  }),
  fc.tuple(chunked, fc.constantFrom("both", "gzip-chunked", "chunked-gzip", "Chunked", "twice", "identity")).map(([c, how]) => {
    const fields = how === "both" ? ["Transfer-Encoding: chunked", `Content-Length: ${c.wire.length}`]
      : how === "gzip-chunked" ? ["Transfer-Encoding: gzip, chunked"]
      : how === "chunked-gzip" ? ["Transfer-Encoding: chunked, gzip"]
      : how === "Chunked" ? ["Transfer-Encoding: Chunked"]
      : how === "twice" ? ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"]
      : ["Transfer-Encoding: identity"];
    return { fields, wire: c.wire };
  }),
);

const statusLine = fc.tuple(
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom("HTTP/1.1", "HTTP/1.0") }, { weight: 1, arbitrary: fc.constantFrom("HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", "HTTP/01.1") }),
  fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 200, max: 599 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom("204", "304", "100", "199", "099", "600", "2000", "20") }),
  fc.oneof(fc.constant(" OK"), fc.constant(""), fc.constant(" "), fieldText.map((r) => ` ${r}`)),
).map(([v, s, r]) => `${v} ${s}${r}`);

/** One mutation of the wire bytes, applied at a position chosen by `at` (0..1). */
const mutation = fc.tuple(
  fc.constantFrom("none", "none", "none", "lf", "cr", "insert", "delete", "replace", "space-before-colon", "fold", "nul"),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: 0, max: 255 }),
);

function mutate(text: string, [kind, at, byte]: [string, number, number], headEnd: number): string {
  const pos = Math.min(text.length, Math.floor(at * text.length));
  const headPos = Math.min(headEnd, Math.floor(at * headEnd));
  switch (kind) {
    case "lf": {
      const i = text.indexOf("\r\n", pos);
      return i < 0 ? text : text.slice(0, i) + text.slice(i + 1);
    }
    case "cr": {
      const i = text.indexOf("\r\n", pos);
      return i < 0 ? text : text.slice(0, i + 1) + text.slice(i + 2);
    }
    case "insert":
      return text.slice(0, pos) + String.fromCharCode(byte) + text.slice(pos);
    case "delete":
      return text.slice(0, pos) + text.slice(pos + 1);
    case "replace":
      return text.slice(0, pos) + String.fromCharCode(byte) + text.slice(pos + 1);
    case "space-before-colon": {
      const i = text.indexOf(":", headPos);
      return i < 0 || i > headEnd ? text : `${text.slice(0, i)} ${text.slice(i)}`;
    }
    case "fold": {
      const i = text.indexOf("\r\n", headPos);
      return i < 0 || i >= headEnd - 2 ? text : `${text.slice(0, i + 2)} folded\r\n${text.slice(i + 2)}`;
    }
    case "nul":
      return headPos < headEnd ? text.slice(0, headPos) + "\0" + text.slice(headPos) : text;
    default:
      return text;
  }
}

export const responseCase: fc.Arbitrary<ResponseCase> = fc
  .tuple(
    fc.constantFrom("GET", "GET", "GET", "HEAD") as fc.Arbitrary<"GET" | "HEAD">,
    statusLine,
    fc.array(header, { maxLength: 4 }),
    framing,
    fc.array(mutation, { minLength: 1, maxLength: 2 }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
  )
  .map(([method, status, headers, frame, mutations, cuts]) => {
    const head = `${status}\r\n${[...headers, ...frame.fields].map((h) => `${h}\r\n`).join("")}\r\n`;
    let text = head + frame.wire;
    for (const m of mutations) text = mutate(text, m as [string, number, number], head.length);
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
    return { method, bytes, splits: cuts.map((c) => Math.floor(c * bytes.length)) };
  });
