// lwip-https: a curl-like command line over the embedded stack. Every request goes from
// the device (lwIP + altcp_tls + Mbed TLS, in WebAssembly) over a virtual Ethernet link
// to the router (lwIP again, NAT) and out through the Node dialer.
//
// main() takes its streams as arguments so tests run it in process; bin/lwip-https.ts
// hands it the real ones. Exit codes follow curl (see exit-codes.ts). The pieces:
// https-args.ts (options, --help), https-output.ts (bodies in and out), describe.ts (-v),
// write-out.ts (-w), session.ts (the Network).
import { readFile, writeFile } from "node:fs/promises";
import { LmwError } from "../errors.js";
import { VERSION } from "../ffi/generated/version.js";
import { socketInfoOf, type FetchTiming } from "../http/index.js";
import type { ResponseHead } from "../http/parser.js";
import { responseTimeline, type Timeline } from "../http/timeline.js";
import { runCClient } from "../apps/https-client.js";
import { WispDialer } from "../dialer/wisp.js";
import { Stack } from "../device/stack.js";
import { markInsecureWarned } from "../device/tls-config.js";
import { tlsFailureOf } from "../device/tls-failure.js";
import { connectionLines, failureLines, headLines, timingLines } from "./describe.js";
import { exitCodeFor } from "./exit-codes.js";
import { HELP, NAME, parse, UsageError, type CliOptions, type Parsed } from "./https-args.js";
import { Output, readAllStream, requestBody, type OutStream } from "./https-output.js";
import { ProgressBar } from "./progress.js";
import { cliError, Session } from "./session.js";
import { formatWriteOut, type TransferReport } from "./write-out.js";

export type { OutStream };

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** For -d @- and -w @- (standard input). */
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NO_BODY_HERE = "Binary output can mess up your terminal. Use \"--output -\" to tell " +
  `${NAME} to output it to your terminal anyway, or consider "--output <FILE>" to save to a file.`;

/** What one run measured, for -w; filled in as the transfer goes. */
interface Transfer extends TransferReport {
  /** Still connecting (no request written yet on the current hop): a reset then is exit 7. */
  connecting: boolean;
}

async function readFormat(o: CliOptions, io: CliIo): Promise<string | undefined> {
  const f = o.writeOut;
  if (f === undefined || !f.startsWith("@")) return f;
  try {
    if (f === "@-") {
      if (!io.stdin) throw new Error("no standard input");
      return Buffer.from(await readAllStream(io.stdin)).toString();
    }
    return await readFile(f.slice(1), "utf8");
  } catch (e) {
    throw cliError("ERR_READ_INPUT", `cannot read the -w format from ${f.slice(1) === "-" ? "standard input" : f.slice(1)}: ${(e as Error).message}`, e);
  }
}

async function run(o: CliOptions, io: CliIo): Promise<number> {
  const info = (line: string) => {
    if (o.verbose) io.stderr.write(`* ${line}\n`);
  };
  const transfer: Transfer = {
    status: 0, url: o.url.href, redirects: 0, sizeDownload: 0, sizeHeader: 0, headers: [], exitcode: 0, errormsg: "", connecting: true,
  };
  let session: Session | undefined;
  let format: string | undefined;
  let exit = 0;
  try {
    let ca: string | undefined;
    if (o.cacert !== undefined) {
      try {
        ca = await readFile(o.cacert, "utf8");
      } catch (e) {
        throw cliError("ERR_CACERT_READ", `cannot read --cacert ${o.cacert}: ${(e as Error).message}`, e);
      }
    }
    format = await readFormat(o, io);
    const body = o.data ? await requestBody(o.data, io.stdin) : undefined;
    if (body && !o.headers.has("content-type")) o.headers.set("content-type", "application/x-www-form-urlencoded");
    if (o.insecure) {
      // In the CLI's words and flag, once, and not under -s; the library's own warning names its API option.
      markInsecureWarned();
      if (!o.silent) io.stderr.write(`${NAME}: warning: -k: the server's certificate is not verified; anyone on the path can read and change this traffic\n`);
    }
    session = await Session.create({
      dialer: o.wisp !== undefined ? new WispDialer({ url: o.wisp }) : undefined,
      tls: { ca, dangerouslySkipVerification: o.insecure || undefined, minVersion: o.tlsMin, maxVersion: o.tlsMax },
      connectTimeout: o.connectTimeoutMs,
      http: o.maxRedirs !== undefined ? { maxRedirections: o.maxRedirs } : undefined,
      pcap: o.pcap !== undefined,
      keylog: o.keylog !== undefined,
      resolve: o.resolve,
      connectTo: o.connectTo,
    });
    info(`${NAME} ${VERSION}: device 10.0.2.15 (lwIP + Mbed TLS, WebAssembly) -> router 10.0.2.2 (lwIP, NAT) -> ${o.wisp ? `Wisp relay ${o.wisp}` : "Node sockets"}`);
    info(o.insecure ? "certificate verification is OFF (-k)" : `trusting ${o.cacert ? `the roots in ${o.cacert}` : "the bundled CA set"}`);
    for (const r of o.resolve) info(`Added ${r.host}:${r.port}:${r.addresses.join(",")} to the name table (--resolve)`);
    for (const r of o.connectTo) info(`Connecting ${r.host ?? "any host"}:${r.port ?? "any port"} to ${r.toHost ?? "the same host"}:${r.toPort ?? "the same port"} (--connect-to)`);

    const ac = new AbortController();
    const timer = o.maxTimeMs !== undefined
      ? setTimeout(() => ac.abort(cliError("ERR_TIMEOUT_TOTAL", `the transfer took longer than ${o.maxTimeMs! / 1000} s (-m)`)), o.maxTimeMs)
      : undefined;
    const output = new Output(o.output === "-" ? undefined : o.output, io.stdout);
    try {
      if (o.cClient) await runC(o, io, session, output, ca, ac.signal, transfer);
      else await runFetch(o, io, session, output, body, ac.signal, transfer);
    } catch (e) {
      output.abandon();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    if (o.verbose) {
      const failure = tlsFailureOf(e);
      if (failure?.remoteAddress) info(`Connected to ${new URL(transfer.url).hostname} (${failure.remoteAddress}) from ${failure.localAddress}`);
      if (failure) failureLines(failure).forEach(info);
    }
    exit = report(e, io, o.silent && !o.showError, transfer);
  }
  if (session) {
    await session.close().catch(() => {});
    try {
      if (o.pcap !== undefined) await writeFile(o.pcap, session.pcap!.bytes());
      if (o.keylog !== undefined) await writeFile(o.keylog, session.keylog!.text());
    } catch (e) {
      if (exit === 0) exit = report(cliError("ERR_WRITE_OUTPUT", `cannot write the capture: ${(e as Error).message}`, e), io, o.silent && !o.showError, transfer);
    }
  }
  if (format !== undefined) {
    transfer.exitcode = exit;
    const w = formatWriteOut(format, transfer);
    for (const warning of w.warnings) if (!o.silent) io.stderr.write(`${NAME}: warning: ${warning}\n`);
    if (w.stdout) io.stdout.write(w.stdout);
    if (w.stderr) io.stderr.write(w.stderr);
  }
  return exit;
}

/** The head as text for -i: status line and fields as the server sent them. */
function headText(h: ResponseHead): string {
  return headLines(h).join("\r\n") + "\r\n\r\n";
}

function showHead(io: CliIo, lines: string[]): void {
  io.stderr.write(lines.map((l) => `< ${l}\n`).join("") + "<\n");
}

/** Body bytes to the output: refuses binary on a terminal (unless -o -), as curl does. */
async function writeBody(o: CliOptions, io: CliIo, output: Output, chunk: Uint8Array): Promise<void> {
  if (o.output === undefined && io.stdout.isTTY === true && chunk.includes(0)) throw cliError("ERR_BINARY_TO_TERMINAL", NO_BODY_HERE);
  await output.write(chunk);
}

async function runFetch(o: CliOptions, io: CliIo, session: Session, output: Output, body: Uint8Array | undefined, signal: AbortSignal, transfer: Transfer): Promise<void> {
  const start = performance.now();
  let timing: FetchTiming | undefined;
  let hop = o.url;
  const heads: ResponseHead[] = [];
  const hostOf = (u: URL) => (u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname);
  const portOf = (u: URL) => u.port || (u.protocol === "https:" ? "443" : "80");
  if (o.verbose) io.stderr.write(`* Trying ${hostOf(hop)}:${portOf(hop)}...\n`);
  const res = await session.net.fetch(o.url, {
    method: o.method,
    headers: o.headers,
    body: body as BodyInit | undefined,
    redirect: o.location ? "follow" : "manual",
    signal,
    onTiming: (t) => (timing = t),
    onRequestHead: (head, conn) => {
      transfer.connecting = false;
      if (!o.verbose) return;
      if (conn.reused) io.stderr.write(`* Re-using the connection to ${hostOf(hop)}\n`);
      else connectionLines(hostOf(hop), conn.info).forEach((l) => io.stderr.write(`* ${l}\n`));
      io.stderr.write(head.split("\r\n").map((l) => `> ${l}\n`).join("") + ">\n");
    },
    onResponseHead: (h) => {
      heads.push(h);
      transfer.sizeHeader += headText(h).length;
      if (o.verbose) showHead(io, headLines(h));
      const location = h.headers.find(([n]) => n.toLowerCase() === "location")?.[1];
      if (o.location && REDIRECTS.has(h.status) && location !== undefined) {
        try {
          hop = new URL(location, hop);
        } catch {
          return; // fetch reports the bad Location
        }
        transfer.redirects++;
        transfer.url = hop.href;
        transfer.connecting = true;
        if (o.verbose) io.stderr.write(`* Issue another request to this URL: '${hop.href}'\n`);
      }
    },
  });
  transfer.connecting = false;
  const last = heads[heads.length - 1]!;
  const sock = socketInfoOf(res);
  Object.assign(transfer, {
    status: res.status, url: res.url, headers: last.headers, remote: sock?.remoteAddress, local: sock?.localAddress,
    httpVersion: last.versionMinor === 0 ? "1.0" : "1.1",
  });
  if (o.fail && res.status >= 400) {
    await res.body?.cancel().catch(() => {});
    throw cliError("ERR_HTTP_STATUS", `the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""} (--fail)`);
  }
  if (o.head || o.include) for (const h of heads) await output.write(headText(h));

  if (res.body) {
    const length = Number(res.headers.get("content-length"));
    const progress = !o.silent && !o.verbose && io.stderr.isTTY === true && !output.isTerminal
      ? new ProgressBar(io.stderr, { total: res.headers.has("content-encoding") || !Number.isFinite(length) ? undefined : length })
      : undefined;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        transfer.sizeDownload += value.length;
        progress?.update(transfer.sizeDownload);
        await writeBody(o, io, output, value);
      }
    } catch (e) {
      reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      progress?.done();
    }
  }
  await output.end();
  if (timing) transfer.timeline = responseTimeline(timing, sock, start);
  if (o.verbose && transfer.timeline) timingLines(transfer.timeline).forEach((l) => io.stderr.write(`* ${l}\n`));
}

/** The C client's response head, as received (it hands over the raw bytes). */
function rawHead(raw: Uint8Array): string {
  let end = 0;
  while (end + 3 < raw.length && !(raw[end] === 13 && raw[end + 1] === 10 && raw[end + 2] === 13 && raw[end + 3] === 10)) end++;
  return Buffer.from(raw.subarray(0, end)).toString("latin1");
}

async function runC(o: CliOptions, io: CliIo, session: Session, output: Output, ca: string | undefined, signal: AbortSignal, transfer: Transfer): Promise<void> {
  if (o.verbose) io.stderr.write(`* the book's C client (native/apps/https_client.c, lwIP altcp_tls): GET ${o.url.href}\n`);
  const r = await runCClient(session.net, o.url, { ca, insecure: o.insecure, timeoutMs: o.maxTimeMs, signal }).catch((e: unknown) => {
    throw signal.aborted ? signal.reason : e; // -m: report the timeout, not the abort it caused
  });
  transfer.connecting = false;
  const head = rawHead(r.raw);
  Object.assign(transfer, {
    status: r.status, headers: r.headers, sizeHeader: head.length + 4, sizeDownload: r.body.length,
    httpVersion: /^HTTP\/1\.0 /.test(head) ? "1.0" : "1.1",
  });
  transfer.timeline = { start: 0, pretransfer: 0, starttransfer: 0, total: r.ms, redirect: 0, reused: false, phases: [] } satisfies Timeline;
  if (o.verbose) showHead(io, head.split("\r\n"));
  if (o.fail && r.status >= 400) throw cliError("ERR_HTTP_STATUS", `the server answered ${r.status} (--fail)`);
  if (o.include) await output.write(`${head}\r\n\r\n`);
  if (r.body.length > 0) await writeBody(o, io, output, r.body);
  await output.end();
  if (o.verbose) io.stderr.write(`* total: ${r.ms.toFixed(1)} ms\n`);
}

/** Prints an error as "lwip-https: CODE: message" and returns its exit code. */
function report(e: unknown, io: CliIo, silent: boolean, transfer: Transfer): number {
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
  transfer.errormsg = message;
  return exitCodeFor(code, transfer.connecting);
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`${NAME}: ${e.message}\n${NAME}: try '${NAME} --help' for more information\n`);
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
  return run(parsed.options, io);
}
