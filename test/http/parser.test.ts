// Our own strictness rules, beyond llhttp's corpus, each checked whole and at every split.

import { describe, expect, it } from "vitest";
import { ResponseParser, type ParseEvent, type ParserLimits } from "../../ts-bindings/src/http/parser.js";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Result {
  status?: number;
  headers?: Array<[string, string]>;
  body: string;
  trailers?: Array<[string, string]>;
  ended: boolean;
  error?: string;
}

function parse(pieces: Uint8Array[], opts: { method?: string; limits?: ParserLimits; eof?: boolean } = {}): Result {
  const p = new ResponseParser(opts.limits);
  p.setMethod(opts.method ?? "GET");
  const out: Result = { body: "", ended: false };
  const handle = (evs: ParseEvent[]) => {
    for (const ev of evs) {
      if (ev.type === "head") {
        out.status = ev.head.status;
        out.headers = ev.head.headers;
      } else if (ev.type === "body") out.body += String.fromCharCode(...ev.data);
      else if (ev.type === "end") {
        out.ended = true;
        out.trailers = ev.trailers;
      } else if (ev.type === "error") {
        out.error ??= `${ev.error.code}: ${ev.error.message}`;
      }
    }
  };
  for (const piece of pieces) if (!out.error) handle(p.execute(piece));
  if (opts.eof && !out.error) handle(p.finish());
  return out;
}

/** Parses whole, at every two-way split, and at 50 random multi-way splits: all must agree. */
function parseEverySplit(text: string, opts: Parameters<typeof parse>[1] = {}): Result {
  const input = enc(text);
  const whole = parse([input], opts);
  for (let i = 0; i <= input.length; i++) expect(parse([input.subarray(0, i), input.subarray(i)], opts), `split at ${i}`).toEqual(whole);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let k = 0; k < 50; k++) {
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < input.length; ) {
      const n = 1 + Math.floor(rand() * 7);
      pieces.push(input.subarray(at, at + n));
      at += n;
    }
    expect(parse(pieces, opts)).toEqual(whole);
  }
  return whole;
}

describe("ResponseParser", () => {
  it("parses Content-Length, chunked with extensions and trailers, and EOF bodies", () => {
    expect(parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")).toMatchObject({ status: 200, body: "hello", ended: true });
    const chunked = parseEverySplit(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c="d;e"\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\n',
    );
    expect(chunked).toMatchObject({ body: "hello world", ended: true, trailers: [["X-Sum", "1"], ["X-Other", "two"]] });
    expect(parseEverySplit("HTTP/1.0 200 OK\r\n\r\nuntil close", { eof: true })).toMatchObject({ body: "until close", ended: true });
  });

  it("skips 1xx interim responses and answers HEAD without a body", () => {
    expect(parseEverySplit("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")).toMatchObject({
      status: 201,
      body: "ok",
      ended: true,
    });
    expect(parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", { method: "HEAD" })).toMatchObject({ body: "", ended: true });
  });

  const bad: Array<[string, string, RegExp]> = [
    ["obs-fold", "HTTP/1.1 200 OK\r\nA: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n", /obs-fold/],
    ["conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", /conflicting Content-Length/],
    ["Content-Length list with different values", "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabc", /conflicting Content-Length/],
    ["non-numeric Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", /invalid Content-Length/],
    ["Transfer-Encoding with Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", /both Transfer-Encoding and Content-Length/],
    ["Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", /HTTP\/1\.0/],
    ["gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", /unsupported Transfer-Encoding/],
    ["NUL in a value", "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n", /0x00/],
    ["lone CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", /CR not followed by LF/],
    ["bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", /bare LF/],
    ["space before colon", "HTTP/1.1 200 OK\r\nX : y\r\n\r\n", /whitespace in header field name/],
    ["bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunk size/],
    ["chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", /chunk size too large/],
    ["missing CRLF after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", /CRLF after chunk data/],
    ["two-digit status", "HTTP/1.1 20 OK\r\n\r\n", /three digits/],
    ["status over 599", "HTTP/1.1 600 Odd\r\n\r\n", /out of range/],
    ["HTTP/2 status line", "HTTP/2.0 200 OK\r\n\r\n", /unsupported HTTP version/],
    ["lowercase protocol", "http/1.1 200 OK\r\n\r\n", /HTTP\//],
    ["unrequested 101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", /unexpected 101/],
    ["CTL in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", /reason phrase/],
    ["obs-fold in trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n b\r\n\r\n", /obs-fold/],
  ];
  for (const [name, text, why] of bad) {
    it(`rejects ${name}`, () => {
      const r = parseEverySplit(text);
      expect(r.error).toMatch(/^ERR_HTTP_PARSE: invalid HTTP response at byte \d+: /);
      expect(r.error).toMatch(why);
    });
  }

  it("rejects conflicting framing fields even where no body follows (HEAD, 204, 304), as llhttp does", () => {
    const both = "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n";
    expect(parseEverySplit(`HTTP/1.1 200 OK\r\n${both}`, { method: "HEAD" }).error).toMatch(/both Transfer-Encoding and Content-Length/);
    expect(parseEverySplit(`HTTP/1.1 204 No Content\r\n${both}`).error).toMatch(/both Transfer-Encoding and Content-Length/);
    expect(parseEverySplit("HTTP/1.0 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n").error).toMatch(/HTTP\/1\.0 response/);
    // A coding we cannot decode is fine where there is no body to decode.
    expect(parseEverySplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", { method: "HEAD" })).toMatchObject({ ended: true });
  });

  it("accepts identical repeated Content-Length and a Connection: close body", () => {
    expect(parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 003\r\n\r\nabc")).toMatchObject({ body: "abc", ended: true });
  });

  it("enforces line, head and field-count limits", () => {
    const long = "HTTP/1.1 200 OK\r\nX: " + "a".repeat(200) + "\r\n\r\n";
    expect(parseEverySplit(long, { limits: { maxLineLength: 100 } }).error).toMatch(/line longer than 100/);
    const many = "HTTP/1.1 200 OK\r\n" + "A: 1\r\n".repeat(20) + "\r\n";
    expect(parseEverySplit(many, { limits: { maxHeaderCount: 10 } }).error).toMatch(/more than 10 header fields/);
    expect(parseEverySplit(many, { limits: { maxHeaderBytes: 64 } }).error).toMatch(/response head larger than 64/);
    // A line with no LF at all is refused before it is buffered whole.
    const p = new ResponseParser({ maxLineLength: 100 });
    const evs = p.execute(enc("HTTP/1.1 200 OK\r\nX: " + "a".repeat(1000)));
    expect(evs.at(-1)).toMatchObject({ type: "error" });
  });

  it("reports truncation at EOF and a silent close", () => {
    expect(parse([enc("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")], { eof: true }).error).toMatch(/ERR_HTTP_PREMATURE_CLOSE/);
    expect(parse([enc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab")], { eof: true }).error).toMatch(/ERR_HTTP_PREMATURE_CLOSE/);
    expect(parse([], { eof: true }).error).toMatch(/ERR_HTTP_NO_RESPONSE/);
  });

  it("keeps bytes after a message for the next one, and flags them after Connection: close", () => {
    const p = new ResponseParser();
    const evs = p.execute(enc("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 204 No Content\r\n\r\n"));
    expect(evs.map((e) => e.type)).toEqual(["head", "body", "end"]);
    expect(p.leftover.length).toBe(27);
    expect(p.nextMessage().map((e) => e.type)).toEqual(["head", "end"]);

    const q = new ResponseParser();
    q.execute(enc("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nextra"));
    expect(q.nextMessage()[0]).toMatchObject({ type: "error" });
  });

  it("hands out body bytes as views, without copying", () => {
    const input = enc("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody");
    const body = new ResponseParser().execute(input).find((e) => e.type === "body");
    expect(body?.type === "body" && body.data.buffer).toBe(input.buffer);
  });
});
