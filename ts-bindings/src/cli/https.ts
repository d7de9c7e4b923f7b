// lwip-https: a curl-like command line over the embedded stack. Every request goes from
// the device (lwIP + altcp_tls + Mbed TLS, in WebAssembly) over a virtual Ethernet link
// to the router (lwIP again, NAT) and out through the Node dialer.
//
// main() takes its streams as arguments so tests run it in process; bin/lwip-https.ts
// hands it the real ones. Exit codes follow curl (see exit-codes.ts).
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LmwError } from "../errors.js";
import { VERSION } from "../ffi/generated/version.js";
import type { FetchTiming } from "../http/index.js";
import { runCClient } from "../apps/https-client.js";
import { WispDialer } from "../dialer/wisp.js";
import { Stack } from "../device/stack.js";
import type { TlsVersion } from "../device/tls-config.js";
import { connectionLines, headerPairs, timingLines, type Timeline } from "./describe.js";
import { exitCodeFor, exitCodeHelp } from "./exit-codes.js";
import { ProgressBar } from "./progress.js";
import { cliError, failedWhileConnecting, Session } from "./session.js";

export type OutStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** For -d @- (the request body from standard input). */
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
}

const NAME = "lwip-https";

const HELP = `Usage: ${NAME} [options] <url>

Fetches <url> the way curl does, but through an embedded TCP/IP and TLS stack: the
device (lwIP 2.2.1 + Mbed TLS 3.6, compiled to WebAssembly) -> a virtual Ethernet
link -> the router (lwIP, NAT) -> real sockets. Certificates are verified against
the bundled CA set unless --cacert or -k says otherwise.

Options:
      --cacert <file>          trust the roots in this PEM file instead of the bundled set
  -k, --insecure               do not verify the server's certificate (INSECURE)
  -v, --verbose                connection, TLS and timing details, headers ("* ", "> ", "< ") to stderr
  -o, --output <file>          write the body to <file> instead of stdout
  -X, --request <method>       request method (default GET, or POST with -d)
  -H, --header 'Name: value'   add a request header (repeatable)
  -d, --data <data|@file>      request body (repeatable, joined with &); @file reads a file
                               as is, @- reads stdin; Content-Type defaults to
                               application/x-www-form-urlencoded
  -L, --location               follow redirects
  -I, --head                   HEAD request; print the response head
  -i, --include                print the response head before the body
  -f, --fail                   exit 22, without printing the body, on HTTP status >= 400
  -s, --silent                 no progress bar, no error message
  -S, --show-error             with -s, still print the error message
      --tls-min <1.2|1.3>      lowest TLS version to offer
      --tls-max <1.2|1.3>      highest TLS version to offer
      --connect-timeout <s>    limit for TCP connect + TLS handshake, seconds
  -m, --max-time <s>           limit for the whole transfer, seconds
      --wisp <ws-url>          reach the outside through a Wisp relay (lwip-shim), as a
                               browser does, instead of the host's own sockets
      --c-client               run the book's C client (native/apps/https_client.c) instead
                               of fetch: HTTPS GET only
      --pcap <file>            write a capture of the device's Ethernet link (pcap)
      --keylog <file>          write the TLS key log (NSS format; Wireshark decrypts the pcap)
  -V, --version                print the version
  -h, --help                   this text

Exit codes (curl's):
${exitCodeHelp()}
Errors are printed as "${NAME}: <CODE>: <message>".
`;

const OPTIONS = {
  cacert: { type: "string" },
  insecure: { type: "boolean", short: "k" },
  verbose: { type: "boolean", short: "v" },
  output: { type: "string", short: "o" },
  request: { type: "string", short: "X" },
  header: { type: "string", short: "H", multiple: true },
  data: { type: "string", short: "d", multiple: true },
  location: { type: "boolean", short: "L" },
  head: { type: "boolean", short: "I" },
  include: { type: "boolean", short: "i" },
  fail: { type: "boolean", short: "f" },
  silent: { type: "boolean", short: "s" },
  "show-error": { type: "boolean", short: "S" },
  "tls-min": { type: "string" },
  "tls-max": { type: "string" },
  "connect-timeout": { type: "string" },
  "max-time": { type: "string", short: "m" },
  "c-client": { type: "boolean" },
  wisp: { type: "string" },
  pcap: { type: "string" },
  keylog: { type: "string" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

interface CliOptions {
  url: URL;
  cacert?: string;
  insecure: boolean;
  verbose: boolean;
  output?: string;
  method: string;
  headers: Headers;
  data?: string[];
  location: boolean;
  head: boolean;
  include: boolean;
  fail: boolean;
  silent: boolean;
  showError: boolean;
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
  connectTimeoutMs?: number;
  maxTimeMs?: number;
  cClient: boolean;
  wisp?: string;
  pcap?: string;
  keylog?: string;
}

function seconds(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new UsageError(`${what}: not a positive number of seconds: ${text}`);
  return Math.round(Number(text) * 1000);
}

function tlsVersion(text: string | undefined, what: string): TlsVersion | undefined {
  if (text === undefined) return undefined;
  if (text !== "1.2" && text !== "1.3") throw new UsageError(`${what}: 1.2 or 1.3, not ${text}`);
  return text;
}

type Parsed = { help: true } | { version: true } | { options: CliOptions };

function parse(argv: string[]): Parsed {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "no URL given" : `one URL only (got ${positionals.join(" ")})`);
  const text = positionals[0]!;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
  const headers = new Headers();
  for (const h of values.header ?? []) {
    const colon = h.indexOf(":");
    if (colon <= 0) throw new UsageError(`-H wants 'Name: value', not ${JSON.stringify(h)}`);
    try {
      headers.append(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
    } catch (e) {
      throw new UsageError(`-H ${JSON.stringify(h)}: ${(e as Error).message}`);
    }
  }
  const data = values.data;
  if (values.head && data) throw new UsageError("-I and -d cannot be used together");
  const method = values.request ?? (values.head ? "HEAD" : data ? "POST" : "GET");
  if (data && /^(GET|HEAD)$/i.test(method)) throw new UsageError(`-d cannot go with -X ${method}: fetch sends no body with ${method}`);
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) throw new UsageError(`-X: not a method: ${method}`);
  const tlsMin = tlsVersion(values["tls-min"], "--tls-min");
  const tlsMax = tlsVersion(values["tls-max"], "--tls-max");
  if (tlsMin && tlsMax && tlsMin > tlsMax) throw new UsageError(`--tls-min ${tlsMin} is above --tls-max ${tlsMax}`);
  const cClient = values["c-client"] === true;
  if (cClient) {
    const extra = [data && "-d", values.head && "-I", method !== "GET" && "-X", values.header && "-H", values.location && "-L",
      values.keylog && "--keylog", values["tls-min"] && "--tls-min", values["tls-max"] && "--tls-max"].filter(Boolean);
    if (extra.length > 0) throw new UsageError(`--c-client runs the C client's plain GET; it does not take ${extra.join(", ")}`);
    if (url.protocol !== "https:") throw new UsageError("--c-client speaks HTTPS only");
  }
  const wisp = values.wisp;
  if (wisp !== undefined && !/^wss?:\/\/.+\/$/.test(wisp)) throw new UsageError(`--wisp wants a ws:// or wss:// URL ending in "/", not ${wisp}`);
  return {
    options: {
      url,
      cacert: values.cacert,
      insecure: values.insecure === true,
      verbose: values.verbose === true,
      output: values.output,
      method,
      headers,
      data,
      location: values.location === true,
      head: values.head === true,
      include: values.include === true,
      fail: values.fail === true,
      silent: values.silent === true,
      showError: values["show-error"] === true,
      tlsMin,
      tlsMax,
      connectTimeoutMs: seconds(values["connect-timeout"], "--connect-timeout"),
      maxTimeMs: seconds(values["max-time"], "-m/--max-time"),
      cClient,
      wisp,
      pcap: values.pcap,
      keylog: values.keylog,
    },
  };
}

async function readAllStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** -d values joined with "&" as curl does; "@file" reads a file, "@-" standard input. */
async function requestBody(data: string[], stdin: NodeJS.ReadableStream | undefined): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const d of data) {
    if (!d.startsWith("@")) {
      parts.push(Buffer.from(d));
      continue;
    }
    const file = d.slice(1);
    try {
      if (file === "-") {
        if (!stdin) throw new Error("no standard input");
        parts.push(await readAllStream(stdin));
      } else {
        parts.push(await readFile(file));
      }
    } catch (e) {
      throw cliError("ERR_READ_INPUT", `cannot read ${file === "-" ? "standard input" : file} for -d: ${(e as Error).message}`, e);
    }
  }
  return Buffer.concat(parts.flatMap((p, i) => (i > 0 ? [Buffer.from("&"), p] : [p])));
}

/** Where the body goes: stdout or a file, written with backpressure. */
class Output {
  #stream: OutStream | undefined;
  #error: Error | undefined;
  readonly #file: string | undefined;
  readonly #stdout: OutStream;

  constructor(file: string | undefined, stdout: OutStream) {
    this.#file = file;
    this.#stdout = stdout;
  }

  get isTerminal(): boolean {
    return this.#file === undefined && this.#stdout.isTTY === true;
  }

  #fail(e: unknown): LmwError {
    return cliError("ERR_WRITE_OUTPUT", `cannot write ${this.#file ?? "to stdout"}: ${(e as Error).message}`, e);
  }

  async #open(): Promise<OutStream> {
    if (this.#stream) return this.#stream;
    let stream: OutStream;
    if (this.#file === undefined) stream = this.#stdout;
    else {
      const file = createWriteStream(this.#file);
      await new Promise<void>((resolve, reject) => {
        file.once("open", () => resolve());
        file.once("error", reject);
      }).catch((e) => {
        throw this.#fail(e);
      });
      stream = file;
    }
    stream.on("error", (e: Error) => (this.#error ??= e));
    this.#stream = stream;
    return stream;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    const stream = await this.#open();
    if (this.#error) throw this.#fail(this.#error);
    if (stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        stream.off("drain", onDrain);
        stream.off("error", onError);
        stream.off("close", onClose);
        if (e) reject(this.#fail(e));
        else resolve();
      };
      const onDrain = () => done();
      const onError = (e: Error) => done(e);
      const onClose = () => done(new Error("the stream was closed"));
      stream.on("drain", onDrain);
      stream.on("error", onError);
      stream.on("close", onClose);
    });
  }

  /** Closes a file (creating it if nothing was written); flushes stdout. */
  async end(): Promise<void> {
    const stream = await this.#open();
    if (this.#error) throw this.#fail(this.#error);
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(this.#fail(e)) : resolve());
      if (this.#file !== undefined) stream.end(cb);
      else stream.write("", cb);
    });
  }

  /** Drops the file handle on failure (the partial file stays, as with curl). */
  abandon(): void {
    if (this.#file !== undefined && this.#stream) (this.#stream as NodeJS.WritableStream & { destroy(): void }).destroy();
  }
}

function headText(status: number, statusText: string, headers: Array<[string, string]>): string {
  return [`HTTP/1.1 ${status}${statusText ? ` ${statusText}` : ""}`, ...headers.map(([n, v]) => `${n}: ${v}`), "", ""].join("\r\n");
}

async function run(o: CliOptions, io: CliIo): Promise<number> {
  const info = (line: string) => {
    if (o.verbose) io.stderr.write(`* ${line}\n`);
  };
  let ca: string | undefined;
  if (o.cacert !== undefined) {
    try {
      ca = await readFile(o.cacert, "utf8");
    } catch (e) {
      throw cliError("ERR_CACERT_READ", `cannot read --cacert ${o.cacert}: ${(e as Error).message}`, e);
    }
  }
  const body = o.data ? await requestBody(o.data, io.stdin) : undefined;
  if (body && !o.headers.has("content-type")) o.headers.set("content-type", "application/x-www-form-urlencoded");

  const session = await Session.create({
    dialer: o.wisp !== undefined ? new WispDialer({ url: o.wisp }) : undefined,
    tls: { ca, dangerouslySkipVerification: o.insecure || undefined, minVersion: o.tlsMin, maxVersion: o.tlsMax },
    connectTimeout: o.connectTimeoutMs,
    http: o.connectTimeoutMs !== undefined ? { connectTimeout: o.connectTimeoutMs } : undefined,
    pcap: o.pcap !== undefined,
    keylog: o.keylog !== undefined,
    onConnection: o.verbose ? (c) => connectionLines(c).forEach(info) : undefined,
    onRequestHead: o.verbose ? (head) => io.stderr.write(head.split("\r\n").map((l) => `> ${l}\n`).join("") + ">\n") : undefined,
  });
  info(`${NAME} ${VERSION}: device 10.0.2.15 (lwIP + Mbed TLS, WebAssembly) -> router 10.0.2.2 (lwIP, NAT) -> ${o.wisp ? `Wisp relay ${o.wisp}` : "Node sockets"}`);
  info(o.insecure ? "certificate verification is OFF (-k)" : `trusting ${o.cacert ? `the roots in ${o.cacert}` : "the bundled CA set"}`);

  const ac = new AbortController();
  const timer = o.maxTimeMs !== undefined
    ? setTimeout(() => ac.abort(cliError("ERR_TIMEOUT_TOTAL", `the transfer took longer than ${o.maxTimeMs! / 1000} s (-m)`)), o.maxTimeMs)
    : undefined;
  const output = new Output(o.output, io.stdout);
  let failure: unknown;
  let exit = 0;
  try {
    exit = o.cClient
      ? await runC(o, io, session, output, ca, ac.signal)
      : await runFetch(o, io, session, output, body, ac.signal);
  } catch (e) {
    failure = e;
    output.abandon();
  } finally {
    clearTimeout(timer);
  }
  await session.close().catch(() => {});
  try {
    if (o.pcap !== undefined) await writeFile(o.pcap, session.pcap!.bytes());
    if (o.keylog !== undefined) await writeFile(o.keylog, session.keylog!.text());
  } catch (e) {
    failure ??= cliError("ERR_WRITE_OUTPUT", `cannot write the capture: ${(e as Error).message}`, e);
  }
  if (failure !== undefined) throw failure;
  return exit;
}

async function runFetch(o: CliOptions, io: CliIo, session: Session, output: Output, body: Uint8Array | undefined, signal: AbortSignal): Promise<number> {
  const start = performance.now();
  let timing: FetchTiming | undefined;
  const res = await session.fetch(o.url, {
    method: o.method,
    headers: o.headers,
    body: body as BodyInit | undefined,
    redirect: o.location ? "follow" : "manual",
    signal,
    onTiming: (t) => (timing = t),
  });
  const headers = headerPairs(res.headers);
  if (o.verbose) io.stderr.write(headText(res.status, res.statusText, headers).split("\r\n").slice(0, -1).map((l) => (l ? `< ${l}\n` : "<\n")).join(""));
  if (o.fail && res.status >= 400) {
    await res.body?.cancel().catch(() => {});
    throw cliError("ERR_HTTP_STATUS", `the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""} (--fail)`);
  }
  if (o.head || o.include) await output.write(headText(res.status, res.statusText, headers));

  if (res.body) {
    const length = Number(res.headers.get("content-length"));
    const progress = !o.silent && !o.verbose && io.stderr.isTTY === true && !output.isTerminal
      ? new ProgressBar(io.stderr, { total: res.headers.has("content-encoding") || !Number.isFinite(length) ? undefined : length })
      : undefined;
    const reader = res.body.getReader();
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        progress?.update(bytes);
        await output.write(value);
      }
    } catch (e) {
      reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      progress?.done();
    }
  }
  await output.end();

  if (o.verbose) {
    const c = session.connectionFor(res.url);
    const end = timing?.end || performance.now();
    const t: Timeline = { start, end, firstByte: timing?.firstByte };
    if (c && c.start >= start) {
      t.dns = c.dnsDone;
      t.tcp = c.tcpConnected ?? (c.info.tls ? undefined : c.opened);
      t.tls = c.info.tls ? c.opened : undefined;
    }
    timingLines(t).forEach((l) => io.stderr.write(`* ${l}\n`));
  }
  return 0;
}

async function runC(o: CliOptions, io: CliIo, session: Session, output: Output, ca: string | undefined, signal: AbortSignal): Promise<number> {
  if (o.verbose) io.stderr.write(`* the book's C client (native/apps/https_client.c, lwIP altcp_tls): GET ${o.url.href}\n`);
  const r = await runCClient(session.net, o.url, { ca, insecure: o.insecure, timeoutMs: o.maxTimeMs, signal }).catch((e: unknown) => {
    throw signal.aborted ? signal.reason : e; // -m: report the timeout, not the abort it caused
  });
  const headers = headerPairs(r.headers);
  if (o.verbose) io.stderr.write(headText(r.status, "", headers).split("\r\n").slice(0, -1).map((l) => (l ? `< ${l}\n` : "<\n")).join(""));
  if (o.fail && r.status >= 400) throw cliError("ERR_HTTP_STATUS", `the server answered ${r.status} (--fail)`);
  if (o.include) await output.write(headText(r.status, "", headers));
  await output.write(r.body);
  await output.end();
  if (o.verbose) io.stderr.write(`* total: ${r.ms.toFixed(1)} ms\n`);
  return 0;
}

/** Prints an error as "lwip-https: CODE: message" and returns its exit code. */
function report(e: unknown, io: CliIo, silent: boolean): number {
  let code = "ERR_INTERNAL";
  let message = String(e);
  if (e instanceof LmwError) {
    code = e.code;
    message = e.message;
  } else if (e instanceof Error) {
    const c = (e as { code?: unknown }).code;
    code = typeof c === "string" && c.startsWith("ERR_") ? c : e.name === "AbortError" ? "ERR_ABORTED" : "ERR_INTERNAL";
    message = e.message;
  }
  if (!silent) io.stderr.write(`${NAME}: ${code}: ${message}\n`);
  return exitCodeFor(code, failedWhileConnecting(e));
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`${NAME}: ${e.message}\n${NAME}: try '${NAME} --help'\n`);
    return exitCodeFor("ERR_USAGE");
  }
  if ("help" in parsed) {
    io.stdout.write(HELP);
    return 0;
  }
  if ("version" in parsed) {
    const stack = await Stack.create({ name: "version" });
    try {
      io.stdout.write(`${NAME} ${VERSION} (${stack.version()}, WebAssembly)\n`);
    } finally {
      stack.dispose();
    }
    return 0;
  }
  try {
    return await run(parsed.options, io);
  } catch (e) {
    return report(e, io, parsed.options.silent && !parsed.options.showError);
  }
}
