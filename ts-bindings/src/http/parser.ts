// Strict, incremental HTTP/1.1 response parser (RFC 9112), browser-safe.
//
// Bytes go in with execute() in whatever pieces the socket delivers; events come out.
// The parser never copies body bytes: body events are views of the input chunks.
// It stops at the end of each message and keeps any bytes that follow ("leftover")
// until nextMessage() is called, so the connection owner decides whether a
// connection with extra bytes is reusable.
//
// Strictness, on purpose (an embedded client has no reason to be lenient):
// - CRLF only: a bare LF or a lone CR anywhere in the head is an error;
// - no obs-fold, no whitespace between a field name and its colon;
// - field names are tokens; values carry no CTL other than HTAB (no NUL, CR, LF);
// - Content-Length: digits only, several values only if all equal;
// - Transfer-Encoding: only "chunked" (we never send TE, so no other coding may be
//   applied), never together with Content-Length, never in an HTTP/1.0 response;
// - chunk sizes: hex digits only, extensions only after ";" and well-formed;
// - HTTP/1.x only; line, head and field-count limits.

import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";

export type HeaderList = Array<[name: string, value: string]>;

export type BodyFraming = "none" | "length" | "chunked" | "eof";

export interface ResponseHead {
  versionMajor: number;
  versionMinor: number;
  status: number;
  /** Reason phrase, bytes mapped 1:1 to chars (latin1), as a ByteString. */
  reason: string;
  /** Field lines in order, names as received, values trimmed of OWS (latin1). */
  headers: HeaderList;
  framing: BodyFraming;
  /** Set when framing is "length". */
  contentLength: number | null;
  /** Whether the connection may carry another message after this one. */
  keepAlive: boolean;
  /** Offset in the connection's byte stream just past the blank line ending the head. */
  headEndOffset: number;
}

export type ParseEvent =
  /** A 1xx interim response (100 Continue, 103 Early Hints...): the final one follows. */
  | { type: "informational"; status: number; reason: string; headers: HeaderList }
  | { type: "head"; head: ResponseHead }
  | { type: "body"; data: Uint8Array }
  | { type: "end"; trailers: HeaderList }
  | { type: "error"; error: LmwError };

export interface ParserLimits {
  /** Longest status line, field line or chunk-size line, CRLF excluded. Default 8192. */
  maxLineLength?: number;
  /** Largest head (status line + fields), and separately the largest trailer section. Default 65536. */
  maxHeaderBytes?: number;
  /** Most field lines in a head or trailer section. Default 256. */
  maxHeaderCount?: number;
  /** Most interim (1xx) responses before the final one. Default 16. */
  maxInformational?: number;
}

const enum State {
  StatusLine,
  HeaderLine,
  Body, // length / eof
  ChunkSize,
  ChunkData,
  ChunkDataCR,
  ChunkDataLF,
  TrailerLine,
  Done,
  Failed,
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

/** field-vchar / SP / HTAB: VCHAR, obs-text, SP, HTAB. */
function isFieldByte(c: number): boolean {
  return c === SP || c === HTAB || (c >= 0x21 && c !== 0x7f);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(end, i + 4096))));
  }
  return s;
}

function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, "0")}`;
}

class ParseFailure extends Error {}

export class ResponseParser {
  private readonly maxLine: number;
  private readonly maxHeadBytes: number;
  private readonly maxCount: number;
  private readonly maxInformational: number;

  private state = State.StatusLine;
  private method = "GET";
  /** Bytes of the current incomplete line. */
  private lineParts: Uint8Array[] = [];
  private lineLength = 0;
  /** Total bytes fed in, for error messages. */
  private offset = 0;

  // Current message.
  private headBytes = 0;
  private informationalCount = 0;
  private emptyLinesSkipped = 0;
  private versionMajor = 1;
  private versionMinor = 1;
  private status = 0;
  private reason = "";
  private fields: HeaderList = [];
  private trailers: HeaderList = [];
  private remaining = 0; // body bytes (length) or chunk bytes left
  private lastHead: ResponseHead | null = null;
  private leftoverBytes: Uint8Array = new Uint8Array(0);

  constructor(limits: ParserLimits = {}) {
    this.maxLine = limits.maxLineLength ?? 8192;
    this.maxHeadBytes = limits.maxHeaderBytes ?? 65536;
    this.maxCount = limits.maxHeaderCount ?? 256;
    this.maxInformational = limits.maxInformational ?? 16;
  }

  /** The request method of the exchange being parsed: a HEAD response has no body. */
  setMethod(method: string): void {
    this.method = method.toUpperCase();
  }

  /** True once the current message is complete (an "end" event was emitted). */
  get done(): boolean {
    return this.state === State.Done;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Whether the current message's head has been parsed. */
  get head(): ResponseHead | null {
    return this.lastHead;
  }

  /** Bytes received after the end of the current message. */
  get leftover(): Uint8Array {
    return this.leftoverBytes;
  }

  /** Bytes fed in so far. */
  get bytesReceived(): number {
    return this.offset;
  }

  /**
   * Starts the next message on the same connection, re-parsing any leftover bytes.
   * Fails if the previous message ended the connection and more bytes came anyway.
   */
  nextMessage(method = "GET"): ParseEvent[] {
    if (this.state !== State.Done) throw new Error("ResponseParser.nextMessage() before the message ended");
    const prev = this.lastHead;
    const rest = this.leftoverBytes;
    this.resetMessage();
    this.method = method.toUpperCase();
    if (prev !== null && !prev.keepAlive && rest.length > 0) {
      this.state = State.Failed;
      return [{ type: "error", error: this.error("data after the end of a response that closes the connection (Connection: close)", this.offset - rest.length) }];
    }
    this.offset -= rest.length;
    return rest.length > 0 ? this.execute(rest) : [];
  }

  /** Feeds bytes. The returned events end with an "error" event if the input is invalid. */
  execute(chunk: Uint8Array): ParseEvent[] {
    const out: ParseEvent[] = [];
    if (this.state === State.Failed) {
      out.push({ type: "error", error: this.error("parser already failed", this.offset) });
      return out;
    }
    if (this.state === State.Done) {
      this.leftoverBytes = concatBytes([this.leftoverBytes, chunk]);
      this.offset += chunk.length;
      return out;
    }
    const base = this.offset;
    this.offset += chunk.length;
    let pos = 0;
    try {
      while (pos < chunk.length) {
        switch (this.state) {
          case State.StatusLine:
          case State.HeaderLine:
          case State.ChunkSize:
          case State.TrailerLine: {
            if (this.lineLength === 0 && (this.state === State.HeaderLine || this.state === State.TrailerLine)) {
              // Reject folding as soon as it shows, without waiting for the line's end.
              const c = chunk[pos];
              if (c === SP || c === HTAB) {
                const first = this.state === State.HeaderLine && this.fields.length === 0;
                this.fail(first ? "whitespace at the start of the first field line" : "obs-fold (line folding) is not allowed", base + pos);
              }
            }
            const nl = chunk.indexOf(LF, pos);
            const end = nl === -1 ? chunk.length : nl;
            // Limit errors name the start of the offending line, whatever the chunking.
            const lineStartOffset = base + pos - this.lineLength;
            if (this.state !== State.ChunkSize) {
              this.headBytes += end - pos + (nl === -1 ? 0 : 1);
              if (this.headBytes > this.maxHeadBytes) {
                this.fail(`${this.state === State.TrailerLine ? "trailer section" : "response head"} larger than ${this.maxHeadBytes} bytes`, lineStartOffset);
              }
            }
            if (this.lineLength + (end - pos) > this.maxLine + 1) {
              this.fail(`line longer than ${this.maxLine} bytes`, lineStartOffset);
            }
            if (nl === -1) {
              this.lineParts.push(chunk.subarray(pos));
              this.lineLength += chunk.length - pos;
              pos = chunk.length;
              break;
            }
            let line: Uint8Array;
            if (this.lineParts.length === 0) {
              line = chunk.subarray(pos, nl);
            } else {
              this.lineParts.push(chunk.subarray(pos, nl));
              line = new Uint8Array(this.lineLength + (nl - pos));
              let o = 0;
              for (const p of this.lineParts) {
                line.set(p, o);
                o += p.length;
              }
              this.lineParts = [];
            }
            this.lineLength = 0;
            const lineStart = base + nl - line.length;
            pos = nl + 1;
            if (line.length === 0 || line[line.length - 1] !== CR) {
              this.fail("bare LF: line not terminated by CRLF", base + nl);
            }
            this.onLine(line.subarray(0, line.length - 1), lineStart, out);
            if ((this.state as State) === State.Done) {
              this.leftoverBytes = chunk.slice(pos);
              return out;
            }
            break;
          }
          case State.Body: {
            if (this.lastHead!.framing === "eof") {
              out.push({ type: "body", data: chunk.subarray(pos) });
              pos = chunk.length;
              break;
            }
            const n = Math.min(this.remaining, chunk.length - pos);
            out.push({ type: "body", data: chunk.subarray(pos, pos + n) });
            pos += n;
            this.remaining -= n;
            if (this.remaining === 0) {
              this.finishMessage(out);
              this.leftoverBytes = chunk.slice(pos);
              return out;
            }
            break;
          }
          case State.ChunkData: {
            const n = Math.min(this.remaining, chunk.length - pos);
            out.push({ type: "body", data: chunk.subarray(pos, pos + n) });
            pos += n;
            this.remaining -= n;
            if (this.remaining === 0) this.state = State.ChunkDataCR;
            break;
          }
          case State.ChunkDataCR:
            if (chunk[pos] !== CR) this.fail(`expected CRLF after chunk data, got ${describeByte(chunk[pos]!)}`, base + pos);
            pos++;
            this.state = State.ChunkDataLF;
            break;
          case State.ChunkDataLF:
            if (chunk[pos] !== LF) this.fail(`expected CRLF after chunk data, got ${describeByte(chunk[pos]!)}`, base + pos);
            pos++;
            this.state = State.ChunkSize;
            break;
          default:
            throw new Error("unreachable parser state");
        }
      }
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      out.push({ type: "error", error: (e as ParseFailure & { lmw: LmwError }).lmw });
    }
    return out;
  }

  /** The connection reached EOF. Completes a read-until-close body, or reports truncation. */
  finish(): ParseEvent[] {
    const out: ParseEvent[] = [];
    switch (this.state) {
      case State.Done:
      case State.Failed:
        return out;
      case State.Body:
        if (this.lastHead!.framing === "eof") {
          this.finishMessage(out);
          return out;
        }
        break;
      case State.StatusLine:
        if (this.lineLength === 0 && this.headBytes === 0 && this.informationalCount === 0) {
          this.state = State.Failed;
          out.push({ type: "error", error: new LmwError("ERR_HTTP_NO_RESPONSE", "connection closed before any response byte", { layer: "http" }) });
          return out;
        }
        break;
      default:
        break;
    }
    const where =
      this.state === State.StatusLine || this.state === State.HeaderLine
        ? "in the response head"
        : this.state === State.Body
          ? `with ${this.remaining} body bytes still expected (Content-Length)`
          : "in a chunked body";
    this.state = State.Failed;
    out.push({ type: "error", error: new LmwError("ERR_HTTP_PREMATURE_CLOSE", `connection closed ${where}`, { layer: "http" }) });
    return out;
  }

  // ----- internals -----

  private resetMessage(): void {
    this.state = State.StatusLine;
    this.lineParts = [];
    this.lineLength = 0;
    this.headBytes = 0;
    this.informationalCount = 0;
    this.emptyLinesSkipped = 0;
    this.resetHead();
    this.lastHead = null;
    this.leftoverBytes = new Uint8Array(0);
  }

  private resetHead(): void {
    this.status = 0;
    this.reason = "";
    this.fields = [];
    this.trailers = [];
    this.remaining = 0;
  }

  private error(message: string, at: number): LmwError {
    return new LmwError("ERR_HTTP_PARSE", `invalid HTTP response at byte ${at}: ${message}`, { layer: "http" });
  }

  private fail(message: string, at: number): never {
    this.state = State.Failed;
    const f = new ParseFailure(message) as ParseFailure & { lmw: LmwError };
    f.lmw = this.error(message, at);
    throw f;
  }

  private onLine(line: Uint8Array, at: number, out: ParseEvent[]): void {
    for (let i = 0; i < line.length; i++) {
      if (line[i] === CR) this.fail("CR not followed by LF", at + i);
    }
    switch (this.state) {
      case State.StatusLine:
        if (line.length === 0) {
          // Tolerate a few empty lines before the status line (a stray CRLF after a
          // previous body is seen in the wild); RFC 9112 section 2.2 allows it for requests.
          if (++this.emptyLinesSkipped > 4) this.fail("too many empty lines before the status line", at);
          this.headBytes -= 2;
          return;
        }
        this.parseStatusLine(line, at);
        this.state = State.HeaderLine;
        return;
      case State.HeaderLine:
        if (line.length === 0) {
          this.onHeadComplete(at, out);
          return;
        }
        this.parseField(line, at, this.fields, "header");
        return;
      case State.TrailerLine:
        if (line.length === 0) {
          this.finishMessage(out);
          return;
        }
        this.parseField(line, at, this.trailers, "trailer");
        return;
      case State.ChunkSize:
        this.parseChunkSize(line, at, out);
        return;
      default:
        throw new Error("unreachable line state");
    }
  }

  private parseStatusLine(line: Uint8Array, at: number): void {
    // HTTP-version SP status-code SP [ reason-phrase ]
    const prefix = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
    for (let i = 0; i < prefix.length; i++) {
      if (line[i] !== prefix[i]) this.fail(`status line does not start with "HTTP/"`, at + Math.min(i, line.length));
    }
    const maj = line[5];
    const dot = line[6];
    const min = line[7];
    if (maj === undefined || maj < 0x30 || maj > 0x39 || dot !== 0x2e || min === undefined || min < 0x30 || min > 0x39) {
      this.fail("malformed HTTP version (expected HTTP/DIGIT.DIGIT)", at + 5);
    }
    if (maj !== 0x31) this.fail(`unsupported HTTP version ${String.fromCharCode(maj, dot, min)} (only HTTP/1.x is spoken)`, at + 5);
    if (line[8] !== SP) this.fail(`expected a single SP after the HTTP version, got ${line[8] === undefined ? "end of line" : describeByte(line[8])}`, at + 8);
    let status = 0;
    for (let i = 9; i < 12; i++) {
      const c = line[i];
      if (c === undefined || c < 0x30 || c > 0x39) this.fail("status code is not three digits", at + i);
      status = status * 10 + (c - 0x30);
    }
    if (status < 100 || status > 599) this.fail(`status code ${status} out of range 100-599`, at + 9);
    if (line.length > 12) {
      // A missing SP + reason ("HTTP/1.1 200" CRLF) is accepted, as every client does.
      if (line[12] !== SP) this.fail(`expected SP after the status code, got ${describeByte(line[12]!)}`, at + 12);
      for (let i = 13; i < line.length; i++) {
        if (!isFieldByte(line[i]!)) this.fail(`invalid character ${describeByte(line[i]!)} in reason phrase`, at + i);
      }
    }
    this.versionMajor = 1;
    this.versionMinor = min - 0x30;
    this.status = status;
    this.reason = line.length > 13 ? latin1(line, 13) : "";
  }

  private parseField(line: Uint8Array, at: number, into: HeaderList, what: string): void {
    if (line[0] === SP || line[0] === HTAB) {
      this.fail(into.length === 0 && what === "header" ? "whitespace at the start of the first field line" : "obs-fold (line folding) is not allowed", at);
    }
    let colon = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === 0x3a) {
        colon = i;
        break;
      }
      if (!TCHAR[c]) {
        this.fail(
          c === SP || c === HTAB ? `whitespace in ${what} field name (or before its colon)` : `invalid character ${describeByte(c)} in ${what} field name`,
          at + i,
        );
      }
    }
    if (colon === -1) this.fail(`${what} field line without a colon`, at + line.length);
    if (colon === 0) this.fail(`empty ${what} field name`, at);
    const name = latin1(line, 0, colon);
    let start = colon + 1;
    let end = line.length;
    while (start < end && (line[start] === SP || line[start] === HTAB)) start++;
    while (end > start && (line[end - 1] === SP || line[end - 1] === HTAB)) end--;
    for (let i = start; i < end; i++) {
      if (!isFieldByte(line[i]!)) this.fail(`invalid character ${describeByte(line[i]!)} in value of ${what} field "${name}"`, at + i);
    }
    if (into.length >= this.maxCount) this.fail(`more than ${this.maxCount} ${what} fields`, at);
    into.push([name, latin1(line, start, end)]);
  }

  private onHeadComplete(at: number, out: ParseEvent[]): void {
    const status = this.status;
    const headers = this.fields;
    if (status < 200) {
      if (status === 101) this.fail("unexpected 101 Switching Protocols: no upgrade was requested", at);
      if (++this.informationalCount > this.maxInformational) this.fail(`more than ${this.maxInformational} interim (1xx) responses`, at);
      out.push({ type: "informational", status, reason: this.reason, headers });
      this.resetHead();
      this.state = State.StatusLine;
      this.headBytes = 0;
      this.emptyLinesSkipped = 0;
      return;
    }

    let te: string[] | null = null;
    let cl: string | null = null;
    let keepAlive = this.versionMinor >= 1;
    for (const [rawName, value] of headers) {
      const name = rawName.toLowerCase();
      if (name === "transfer-encoding") {
        te ??= [];
        for (const part of value.split(",")) {
          const coding = part.trim().toLowerCase();
          if (coding === "") this.fail("empty element in Transfer-Encoding", at);
          te.push(coding);
        }
      } else if (name === "content-length") {
        for (const part of value.split(",")) {
          const v = part.trim();
          if (!/^[0-9]+$/.test(v)) this.fail(`invalid Content-Length ${JSON.stringify(value)}`, at);
          const norm = v.replace(/^0+(?=.)/, "");
          if (cl !== null && cl !== norm) this.fail(`conflicting Content-Length values (${cl} and ${norm})`, at);
          cl = norm;
        }
      } else if (name === "connection") {
        for (const part of value.split(",")) {
          const token = part.trim().toLowerCase();
          if (token === "close") keepAlive = false;
          else if (token === "keep-alive" && this.versionMinor === 0) keepAlive = true;
        }
      }
    }
    // A close overrides a keep-alive token in the same message.
    if (headers.some(([n, v]) => n.toLowerCase() === "connection" && v.split(",").some((t) => t.trim().toLowerCase() === "close"))) {
      keepAlive = false;
    }

    // Conflicting framing fields are an error even where no body follows (HEAD, 204,
    // 304): the message is malformed whatever its length turns out to be (as llhttp).
    if (te !== null) {
      if (this.versionMinor === 0) this.fail("Transfer-Encoding in an HTTP/1.0 response (faulty framing, RFC 9112 section 6.1)", at);
      if (cl !== null) this.fail("both Transfer-Encoding and Content-Length (possible response smuggling, RFC 9112 section 6.3)", at);
    }
    let framing: BodyFraming;
    let contentLength: number | null = null;
    if (this.method === "HEAD" || status === 204 || status === 304) {
      framing = "none";
    } else if (te !== null) {
      if (te.length !== 1 || te[0] !== "chunked") {
        this.fail(`unsupported Transfer-Encoding ${JSON.stringify(te.join(", "))}: only "chunked" is accepted (no TE was sent)`, at);
      }
      framing = "chunked";
    } else if (cl !== null) {
      if (cl.length > 15 || Number(cl) > Number.MAX_SAFE_INTEGER) this.fail(`Content-Length ${cl} too large`, at);
      contentLength = Number(cl);
      framing = "length";
    } else {
      framing = "eof";
      keepAlive = false;
    }

    const head: ResponseHead = {
      versionMajor: this.versionMajor,
      versionMinor: this.versionMinor,
      status,
      reason: this.reason,
      headers,
      framing,
      contentLength,
      keepAlive,
      headEndOffset: at + 2,
    };
    this.lastHead = head;
    out.push({ type: "head", head });
    if (framing === "none" || (framing === "length" && contentLength === 0)) {
      this.finishMessage(out);
    } else if (framing === "chunked") {
      this.state = State.ChunkSize;
    } else {
      this.remaining = contentLength ?? 0;
      this.state = State.Body;
    }
  }

  private parseChunkSize(line: Uint8Array, at: number, out: ParseEvent[]): void {
    // chunk-size [ chunk-ext ] CRLF ; chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
    let i = 0;
    let size = 0;
    while (i < line.length && hexValue(line[i]!) >= 0) {
      size = size * 16 + hexValue(line[i]!);
      if (size > Number.MAX_SAFE_INTEGER) this.fail("chunk size too large", at + i);
      i++;
    }
    if (i === 0) this.fail(line.length === 0 ? "empty chunk size" : `invalid character ${describeByte(line[0]!)} in chunk size`, at);
    this.parseChunkExtensions(line, i, at);
    if (size === 0) {
      this.headBytes = 0;
      this.state = State.TrailerLine;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
    void out;
  }

  private parseChunkExtensions(line: Uint8Array, from: number, at: number): void {
    let i = from;
    const skipBws = () => {
      while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
    };
    const token = (what: string) => {
      const s = i;
      while (i < line.length && TCHAR[line[i]!]) i++;
      if (i === s) this.fail(i < line.length ? `invalid character ${describeByte(line[i]!)} in chunk extension ${what}` : `empty chunk extension ${what}`, at + i);
    };
    while (true) {
      const beforeWs = i;
      skipBws();
      if (i === line.length) {
        if (i !== beforeWs) this.fail("whitespace after chunk size without an extension", at + beforeWs);
        return;
      }
      if (line[i] !== 0x3b) this.fail(`invalid character ${describeByte(line[i]!)} in chunk size`, at + i);
      i++;
      skipBws();
      token("name");
      skipBws();
      if (i < line.length && line[i] === 0x3d) {
        i++;
        skipBws();
        if (line[i] === 0x22) {
          i++;
          for (;;) {
            if (i >= line.length) this.fail("unterminated quoted string in chunk extension", at + i);
            const c = line[i]!;
            if (c === 0x22) {
              i++;
              break;
            }
            if (c === 0x5c) {
              const n = line[i + 1];
              if (n === undefined || !(n === HTAB || n === SP || (n >= 0x21 && n !== 0x7f))) this.fail("invalid quoted-pair in chunk extension", at + i);
              i += 2;
              continue;
            }
            if (!(c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c !== 0x7f))) {
              this.fail(`invalid character ${describeByte(c)} in chunk extension quoted value`, at + i);
            }
            i++;
          }
        } else {
          token("value");
        }
      }
    }
  }

  private finishMessage(out: ParseEvent[]): void {
    this.state = State.Done;
    out.push({ type: "end", trailers: this.trailers });
  }
}
