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
//
// This file is the state machine over the connection's bytes (lines, body lengths,
// chunks, limits, leftover). What one line may hold is grammar.ts; how a head frames
// its body is framing.ts. It stays past 400 lines on purpose: execute() and its states
// are one machine, easier to check whole than spread over files.

import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";
import { messageFraming } from "./framing.js";
import { CR, describeByte, HTAB, LF, LineError, parseChunkSizeLine, parseFieldLine, parseStatusLine, SP } from "./grammar.js";

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
        this.parseChunkSize(line, at);
        return;
      default:
        throw new Error("unreachable line state");
    }
  }

  /** Runs a line grammar (grammar.ts); its LineError fails the parse at `at` + its offset. */
  private grammar<T>(at: number, parse: () => T): T {
    try {
      return parse();
    } catch (e) {
      if (e instanceof LineError) this.fail(e.message, at + e.at);
      throw e;
    }
  }

  private parseStatusLine(line: Uint8Array, at: number): void {
    const { versionMinor, status, reason } = this.grammar(at, () => parseStatusLine(line));
    this.versionMajor = 1;
    this.versionMinor = versionMinor;
    this.status = status;
    this.reason = reason;
  }

  private parseField(line: Uint8Array, at: number, into: HeaderList, what: "header" | "trailer"): void {
    const field = this.grammar(at, () => parseFieldLine(line, what, into.length === 0));
    if (into.length >= this.maxCount) this.fail(`more than ${this.maxCount} ${what} fields`, at);
    into.push(field);
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
    const { framing, contentLength, keepAlive } = this.grammar(at, () => messageFraming(headers, this.versionMinor, status, this.method));
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

  private parseChunkSize(line: Uint8Array, at: number): void {
    const size = this.grammar(at, () => parseChunkSizeLine(line));
    if (size === 0) {
      this.headBytes = 0;
      this.state = State.TrailerLine;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
  }

  private finishMessage(out: ParseEvent[]): void {
    this.state = State.Done;
    out.push({ type: "end", trailers: this.trailers });
  }
}
