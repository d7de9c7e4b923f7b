// lwip-shim: the Wisp v1 WebSocket-to-TCP/UDP shim, from the command line.
// Logs are JSON lines on stderr; SIGINT/SIGTERM close every stream and exit.
// bin/lwip-shim.ts only hands this the process.

import { parseArgs } from "node:util";
import { createShim, jsonLineLogger, type ShimOptions } from "../shim/server.js";
import type { PortRule } from "../shim/address.js";

const HELP = `Usage: lwip-shim [options]

A Wisp v1 server (ws://HOST:PORT/wisp/) that lets browsers open TCP and UDP streams.
By default it listens on 127.0.0.1 and refuses loopback, private, link-local and
reserved destinations.

Options:
  --host ADDR                 listen address (default 127.0.0.1)
  --port N                    listen port (default 8080; 0 picks a free one)
  --allow-loopback            allow destinations on 127/8, ::1
  --allow-private             allow RFC 1918, CGNAT, link-local, unique-local destinations
  --allow-host H              only these destination hosts (repeatable; *.example.com ok)
  --deny-host H               never these destination hosts (repeatable)
  --allow-port P              only these destination ports (repeatable; N or N-M)
  --deny-port P               never these destination ports (repeatable; N or N-M)
  --origin URL                allowed browser Origin (repeatable; default: same origin; * for any)
  --token-secret S            require ?token= (HMAC tokens, see createToken)
  --static DIR                serve files from DIR (index.html at /)
  --max-streams N             streams per WebSocket (default 64)
  --max-connections N         WebSockets in total (default 512)
  --max-connections-per-ip N  WebSockets per client address (default 32)
  --log-level L               debug | info | warn | error (default info)
  -h, --help                  this text
`;

class UsageError extends Error {}

function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`${what}: not a port: ${text}`);
  return Number(text);
}

function parsePortRule(text: string): PortRule {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (m) {
    const a = parsePort(m[1]!, "port range");
    const b = parsePort(m[2]!, "port range");
    if (a > b) throw new UsageError(`empty port range: ${text}`);
    return [a, b];
  }
  return parsePort(text, "port");
}

function parseCount(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${what}: not a positive integer: ${text}`);
  return Number(text);
}

function parseCli(argv: string[]): { help: true } | { help: false; options: ShimOptions; logLevel: string } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "allow-loopback": { type: "boolean" },
      "allow-private": { type: "boolean" },
      "allow-host": { type: "string", multiple: true },
      "deny-host": { type: "string", multiple: true },
      "allow-port": { type: "string", multiple: true },
      "deny-port": { type: "string", multiple: true },
      origin: { type: "string", multiple: true },
      "token-secret": { type: "string" },
      static: { type: "string" },
      "max-streams": { type: "string" },
      "max-connections": { type: "string" },
      "max-connections-per-ip": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true };
  const logLevel = values["log-level"] ?? "info";
  if (!["debug", "info", "warn", "error"].includes(logLevel)) throw new UsageError(`unknown log level: ${logLevel}`);
  const options: ShimOptions = {
    host: values.host ?? "127.0.0.1",
    port: values.port !== undefined ? parsePort(values.port, "--port") : 8080,
    allowLoopback: values["allow-loopback"] ?? false,
    allowPrivate: values["allow-private"] ?? false,
    allowHosts: values["allow-host"],
    denyHosts: values["deny-host"],
    allowPorts: values["allow-port"]?.map(parsePortRule),
    denyPorts: values["deny-port"]?.map(parsePortRule),
    origins: values.origin,
    tokenSecret: values["token-secret"],
    staticDir: values.static,
    maxStreamsPerConnection: parseCount(values["max-streams"], "--max-streams"),
    maxConnections: parseCount(values["max-connections"], "--max-connections"),
    maxConnectionsPerIp: parseCount(values["max-connections-per-ip"], "--max-connections-per-ip"),
  };
  return { help: false, options, logLevel };
}

export interface ShimIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves when the shim should stop (SIGINT/SIGTERM in the bin), with the reason. */
  stopped: Promise<string>;
}

/** Runs the shim until `io.stopped`; returns the exit code. */
export async function main(argv: string[], io: ShimIo): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (err) {
    io.stderr.write(`lwip-shim: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const logger = jsonLineLogger((line) => io.stderr.write(line), parsed.logLevel as "info");
  const shim = await createShim({ ...parsed.options, logger });
  // The URL on stdout, for scripts (and tests) that start the shim on port 0.
  io.stdout.write(`${shim.url}\n`);
  const signal = await io.stopped;
  logger({ level: "info", event: "signal", signal });
  await shim.close();
  return 0;
}
