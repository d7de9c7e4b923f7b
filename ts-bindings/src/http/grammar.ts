// The line grammars of an HTTP/1.1 response (RFC 9112), one complete line at a time
// (CRLF removed): the status line, a field line, a chunk-size line with its extensions.
// Pure functions: a violation throws LineError with the offset in the line, which the
// parser (parser.ts) turns into ERR_HTTP_PARSE at the offset in the connection's bytes.

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;

/** A grammar violation at byte `at` of the line. */
export class LineError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function fail(message: string, at: number): never {
  throw new LineError(message, at);
}

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

/** Bytes mapped 1:1 to chars (a ByteString). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(end, i + 4096))));
  }
  return s;
}

export function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, "0")}`;
}

export interface StatusLine {
  versionMinor: number;
  status: number;
  reason: string;
}

/** HTTP-version SP status-code SP [ reason-phrase ]; HTTP/1.x only. */
export function parseStatusLine(line: Uint8Array): StatusLine {
  const prefix = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
  for (let i = 0; i < prefix.length; i++) {
    if (line[i] !== prefix[i]) fail(`status line does not start with "HTTP/"`, Math.min(i, line.length));
  }
  const maj = line[5];
  const dot = line[6];
  const min = line[7];
  if (maj === undefined || maj < 0x30 || maj > 0x39 || dot !== 0x2e || min === undefined || min < 0x30 || min > 0x39) {
    fail("malformed HTTP version (expected HTTP/DIGIT.DIGIT)", 5);
  }
  if (maj !== 0x31) fail(`unsupported HTTP version ${String.fromCharCode(maj, dot, min)} (only HTTP/1.x is spoken)`, 5);
  if (line[8] !== SP) fail(`expected a single SP after the HTTP version, got ${line[8] === undefined ? "end of line" : describeByte(line[8])}`, 8);
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const c = line[i];
    if (c === undefined || c < 0x30 || c > 0x39) fail("status code is not three digits", i);
    status = status * 10 + (c - 0x30);
  }
  if (status < 100 || status > 599) fail(`status code ${status} out of range 100-599`, 9);
  if (line.length > 12) {
    // A missing SP + reason ("HTTP/1.1 200" CRLF) is accepted, as every client does.
    if (line[12] !== SP) fail(`expected SP after the status code, got ${describeByte(line[12]!)}`, 12);
    for (let i = 13; i < line.length; i++) {
      if (!isFieldByte(line[i]!)) fail(`invalid character ${describeByte(line[i]!)} in reason phrase`, i);
    }
  }
  return { versionMinor: min - 0x30, status, reason: line.length > 13 ? latin1(line, 13) : "" };
}

/** field-name ":" OWS field-value OWS, the value trimmed. `first`: the head's first field line. */
export function parseFieldLine(line: Uint8Array, what: "header" | "trailer", first: boolean): [name: string, value: string] {
  if (line[0] === SP || line[0] === HTAB) {
    fail(first && what === "header" ? "whitespace at the start of the first field line" : "obs-fold (line folding) is not allowed", 0);
  }
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === 0x3a) {
      colon = i;
      break;
    }
    if (!TCHAR[c]) {
      fail(c === SP || c === HTAB ? `whitespace in ${what} field name (or before its colon)` : `invalid character ${describeByte(c)} in ${what} field name`, i);
    }
  }
  if (colon === -1) fail(`${what} field line without a colon`, line.length);
  if (colon === 0) fail(`empty ${what} field name`, 0);
  const name = latin1(line, 0, colon);
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line[start] === SP || line[start] === HTAB)) start++;
  while (end > start && (line[end - 1] === SP || line[end - 1] === HTAB)) end--;
  for (let i = start; i < end; i++) {
    if (!isFieldByte(line[i]!)) fail(`invalid character ${describeByte(line[i]!)} in value of ${what} field "${name}"`, i);
  }
  return [name, latin1(line, start, end)];
}

/** chunk-size [ chunk-ext ]; returns the size (0: the last chunk). Extensions are checked, then ignored. */
export function parseChunkSizeLine(line: Uint8Array): number {
  let i = 0;
  let size = 0;
  while (i < line.length && hexValue(line[i]!) >= 0) {
    size = size * 16 + hexValue(line[i]!);
    if (size > Number.MAX_SAFE_INTEGER) fail("chunk size too large", i);
    i++;
  }
  if (i === 0) fail(line.length === 0 ? "empty chunk size" : `invalid character ${describeByte(line[0]!)} in chunk size`, 0);
  checkChunkExtensions(line, i);
  return size;
}

/** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), from byte `from`. */
function checkChunkExtensions(line: Uint8Array, from: number): void {
  let i = from;
  const skipBws = () => {
    while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
  };
  const token = (what: string) => {
    const s = i;
    while (i < line.length && TCHAR[line[i]!]) i++;
    if (i === s) fail(i < line.length ? `invalid character ${describeByte(line[i]!)} in chunk extension ${what}` : `empty chunk extension ${what}`, i);
  };
  while (true) {
    const beforeWs = i;
    skipBws();
    if (i === line.length) {
      if (i !== beforeWs) fail("whitespace after chunk size without an extension", beforeWs);
      return;
    }
    if (line[i] !== 0x3b) fail(`invalid character ${describeByte(line[i]!)} in chunk size`, i);
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
          if (i >= line.length) fail("unterminated quoted string in chunk extension", i);
          const c = line[i]!;
          if (c === 0x22) {
            i++;
            break;
          }
          if (c === 0x5c) {
            const n = line[i + 1];
            if (n === undefined || !(n === HTAB || n === SP || (n >= 0x21 && n !== 0x7f))) fail("invalid quoted-pair in chunk extension", i);
            i += 2;
            continue;
          }
          if (!(c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c !== 0x7f))) {
            fail(`invalid character ${describeByte(c)} in chunk extension quoted value`, i);
          }
          i++;
        }
      } else {
        token("value");
      }
    }
  }
}
