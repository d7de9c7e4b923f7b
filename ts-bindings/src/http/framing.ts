// How a final response's body is delimited and whether its connection stays open, from
// its head (RFC 9112 sections 6 and 9): Transfer-Encoding, Content-Length, Connection,
// the request method and the status. Refuses the ambiguous framings that make response
// smuggling possible. Violations throw LineError (at 0: the blank line ending the head).

import { LineError } from "./grammar.js";
import type { BodyFraming, HeaderList } from "./parser.js";

export interface Framing {
  framing: BodyFraming;
  /** Set when framing is "length". */
  contentLength: number | null;
  keepAlive: boolean;
}

function fail(message: string): never {
  throw new LineError(message, 0);
}

export function messageFraming(headers: HeaderList, versionMinor: number, status: number, method: string): Framing {
  let te: string[] | null = null;
  let cl: string | null = null;
  let keepAlive = versionMinor >= 1;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === "transfer-encoding") {
      te ??= [];
      for (const part of value.split(",")) {
        const coding = part.trim().toLowerCase();
        if (coding === "") fail("empty element in Transfer-Encoding");
        te.push(coding);
      }
    } else if (name === "content-length") {
      for (const part of value.split(",")) {
        const v = part.trim();
        if (!/^[0-9]+$/.test(v)) fail(`invalid Content-Length ${JSON.stringify(value)}`);
        const norm = v.replace(/^0+(?=.)/, "");
        if (cl !== null && cl !== norm) fail(`conflicting Content-Length values (${cl} and ${norm})`);
        cl = norm;
      }
    } else if (name === "connection") {
      for (const part of value.split(",")) {
        const token = part.trim().toLowerCase();
        if (token === "close") keepAlive = false;
        else if (token === "keep-alive" && versionMinor === 0) keepAlive = true;
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
    if (versionMinor === 0) fail("Transfer-Encoding in an HTTP/1.0 response (faulty framing, RFC 9112 section 6.1)");
    if (cl !== null) fail("both Transfer-Encoding and Content-Length (possible response smuggling, RFC 9112 section 6.3)");
  }
  if (method === "HEAD" || status === 204 || status === 304) return { framing: "none", contentLength: null, keepAlive };
  if (te !== null) {
    if (te.length !== 1 || te[0] !== "chunked") {
      fail(`unsupported Transfer-Encoding ${JSON.stringify(te.join(", "))}: only "chunked" is accepted (no TE was sent)`);
    }
    return { framing: "chunked", contentLength: null, keepAlive };
  }
  if (cl !== null) {
    if (cl.length > 15 || Number(cl) > Number.MAX_SAFE_INTEGER) fail(`Content-Length ${cl} too large`);
    return { framing: "length", contentLength: Number(cl), keepAlive };
  }
  return { framing: "eof", contentLength: null, keepAlive: false };
}
