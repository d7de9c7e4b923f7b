// lwip-https: a curl-like command line over the embedded stack. Every request goes from
// the device (lwIP + altcp_tls + Mbed TLS, in WebAssembly) over a virtual Ethernet link
// to the router (lwIP again, NAT) and out through the Node dialer.
//
// main() takes its streams as arguments so tests run it in process; bin/lwip-https.ts
// hands it the real ones. Exit codes follow curl (see exit-codes.ts).
import { readFile, writeFile } from "node:fs/promises";
import { LmwError } from "../errors.js";
import { VERSION } from "../ffi/generated/version.js";
import type { FetchTiming } from "../http/index.js";
import { runCClient } from "../apps/https-client.js";
import { Stack } from "../device/stack.js";
import { connectionLines, headerPairs, timingLines, type Timeline } from "./describe.js";
import { exitCodeFor } from "./exit-codes.js";
import { HELP, NAME, parse, UsageError, type CliOptions, type Parsed } from "./https-args.js";
import { headText, Output, requestBody, type OutStream } from "./https-output.js";
import { ProgressBar } from "./progress.js";
import { cliError, failedWhileConnecting, Session } from "./session.js";

export type { OutStream };

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** For -d @- (the request body from standard input). */
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
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
    tls: { ca, dangerouslySkipVerification: o.insecure || undefined, minVersion: o.tlsMin, maxVersion: o.tlsMax },
    connectTimeout: o.connectTimeoutMs,
    http: o.connectTimeoutMs !== undefined ? { connectTimeout: o.connectTimeoutMs } : undefined,
    pcap: o.pcap !== undefined,
    resolve: o.resolve,
    connectTo: o.connectTo,
    keylog: o.keylog !== undefined,
    onConnection: o.verbose ? (c) => connectionLines(c).forEach(info) : undefined,
    onRequestHead: o.verbose ? (head) => io.stderr.write(head.split("\r\n").map((l) => `> ${l}\n`).join("") + ">\n") : undefined,
  });
  info(`${NAME} ${VERSION}: device 10.0.2.15 (lwIP + Mbed TLS, WebAssembly) -> router 10.0.2.2 (lwIP, NAT) -> Node sockets`);
  info(o.insecure ? "certificate verification is OFF (-k)" : `trusting ${o.cacert ? `the roots in ${o.cacert}` : "the bundled CA set"}`);
  for (const r of o.resolve) info(`Added ${r.host}:${r.port}:${r.addresses.join(",")} to the name table (--resolve)`);
  for (const r of o.connectTo) info(`Connecting ${r.host ?? "any host"}:${r.port ?? "any port"} to ${r.toHost ?? "the same host"}:${r.toPort ?? "the same port"} (--connect-to)`);

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
