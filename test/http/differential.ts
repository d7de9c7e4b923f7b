// Differential harness: the same response bytes through our ResponseParser and through
// Node's own llhttp, driven by node:http's client (a ClientRequest on a stream we feed,
// via the public `createConnection` option: no process.binding, no internals). Both
// reduce to one Outcome, compared by the fuzz test and the long fuzz script.
import http from "node:http";
import { Duplex } from "node:stream";
import { ResponseParser, type ParseEvent } from "../../ts-bindings/src/http/parser.js";

export type Outcome =
  | { kind: "ok"; status: number; headers: Array<[string, string]>; body: string }
  | { kind: "error"; why: string };

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Our parser on `input` split into `pieces` (offsets), then EOF. The first message only:
 *  what follows it is the next message's business (both parsers stop there). */
export function ours(input: Uint8Array, method: string, splits: number[] = []): Outcome {
  const p = new ResponseParser();
  p.setMethod(method);
  let head: { status: number; headers: Array<[string, string]> } | undefined;
  let body = "";
  let ended = false;
  let error: string | undefined;
  const handle = (events: ParseEvent[]) => {
    for (const ev of events) {
      if (ev.type === "head") head = { status: ev.head.status, headers: ev.head.headers };
      else if (ev.type === "body") body += latin1(ev.data);
      else if (ev.type === "end") ended = true;
      else if (ev.type === "error") error ??= ev.error.message;
    }
  };
  const cuts = [...new Set(splits.filter((s) => s > 0 && s < input.length))].sort((a, b) => a - b);
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    if (error !== undefined || ended) break;
    handle(p.execute(input.subarray(at, cut)));
    at = cut;
  }
  if (error === undefined && !ended) handle(p.finish());
  if (ended && head) return { kind: "ok", status: head.status, headers: head.headers, body };
  return { kind: "error", why: error ?? "no complete message" };
}

/** A stream standing in for the socket: swallows the request, then plays `response`
 *  and ends (the server closed). */
class Playback extends Duplex {
  #response: Uint8Array;
  #played = false;
  constructor(response: Uint8Array) {
    super();
    this.#response = response;
  }
  override _write(_chunk: unknown, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    cb();
    if (!this.#played) {
      this.#played = true;
      this.push(Buffer.from(this.#response));
      this.push(null);
    }
  }
  override _read(): void {}
  // What http.ClientRequest calls on a socket.
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  setTimeout(): this { return this; }
  ref(): this { return this; }
  unref(): this { return this; }
}

/** Node's llhttp on the same bytes, through node:http's client (strict parser: the
 *  default, no insecureHTTPParser). */
export function llhttp(input: Uint8Array, method: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const req = http.request({ host: "fuzz.invalid", path: "/", method, createConnection: () => new Playback(input) as never });
    let finished: (() => void) | undefined;
    req.on("error", (e: NodeJS.ErrnoException) => {
      // Bytes after a complete first message (a HEAD response's would-be body, data after
      // Connection: close) make llhttp fail on the next message; the first one stands.
      if (finished) finished();
      else done({ kind: "error", why: `${e.code ?? ""} ${e.message}` });
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      finished = () => {
        // Complete: its 'end' still comes, after the body chunks already queued.
        if (!res.complete) done({ kind: "error", why: "incomplete (error before the end)" });
      };
      const complete = (): Outcome => {
        const headers: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        return { kind: "ok", status: res.statusCode!, headers, body: latin1(Buffer.concat(chunks)) };
      };
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("aborted", () => done({ kind: "error", why: "aborted (body cut short)" }));
      res.on("error", (e: NodeJS.ErrnoException) => done({ kind: "error", why: `${e.code ?? ""} ${e.message}` }));
      res.on("end", () => {
        // 'end' also follows an abort; a complete message is one llhttp finished.
        if (!res.complete) return done({ kind: "error", why: "incomplete (body cut short)" });
        done(complete());
      });
      res.resume();
    });
    req.end();
  });
}

/** llhttp reports header values with trailing whitespace kept as received in some
 *  paths; RFC 9110 5.5 excludes OWS from the value. Compare values trimmed. */
export function normalise(o: Outcome): Outcome {
  if (o.kind !== "ok") return { kind: "error", why: "" };
  return { ...o, headers: o.headers.map(([n, v]) => [n, v.replace(/^[ \t]+|[ \t]+$/g, "")]) };
}
