// lwip-shim: the Wisp (v1 and v2) WebSocket-to-TCP/UDP shim, from the command line.
// Logs are JSON lines on stderr; SIGINT/SIGTERM close every stream and exit.
// bin/lwip-shim.ts only hands this the process.

import { parseArgs } from "node:util";
import { createShim, jsonLineLogger, type ShimOptions } from "../shim/server.js";
import { parseHostRule, type PortRule } from "../shim/address.js";
import { LmwError } from "../errors.js";

const HELP = `Usage: lwip-shim [options]

A Wisp v1 server (and v2 for clients that ask) at ws://HOST:PORT/wisp/ that lets
browsers open TCP and UDP streams. By default it listens on 127.0.0.1 and refuses
loopback, private, link-local and reserved destinations.

Options:
  --host ADDR                 listen address (default 127.0.0.1)
  --port N                    listen port (default 8080; 0 picks a free one)
  --allow-loopback            allow destinations on 127/8, ::1
  --allow-private             allow RFC 1918, CGNAT, link-local, unique-local destinations
  --allow-host H              only these destination hosts (repeatable): a name,
                              *.example.com, an address or a CIDR block (10.0.0.0/8)
  --deny-host H               never these destination hosts (repeatable; same forms,
                              also matched against every address a name resolves to)
  --allow-port P              only these destination ports (repeatable; N or N-M)
  --deny-port P               never these destination ports (repeatable; N or N-M)
  --origin URL                allowed browser Origin (repeatable; * for any). Default:
                              same origin, only on an IP-literal or loopback Host
  --token-secret S            require ?token= (HMAC tokens, see createToken), checked
                              at the upgrade; a token is multi-use until it expires
  --token-single-use          a token opens one WebSocket only
  --motd TEXT                 Wisp v2 message of the day
  --password USER:PASS        Wisp v2 password authentication (repeatable); v1 clients
                              are then refused. Visible in ps: prefer a private host
  --no-wisp-v2                serve Wisp v1 only
  --static DIR                serve files from DIR (index.html at /)
  --max-streams N             streams per WebSocket (default 64)
  --max-connections N         WebSockets in total (default 512)
  --max-connections-per-ip N  WebSockets per client address (default 32)
  --max-packet-bytes N        largest DATA packet; a larger one closes its stream
                              with CLOSE 0x49 (default 8388608)
  --stream-buffer-bytes N     client bytes queued per stream (default 1048576)
  --connection-buffer-bytes N bytes one WebSocket may hold before it is paused
                              (default 16777216)
  --total-buffer-bytes N      bytes all WebSockets may hold; past it the largest
                              holder is dropped (default 536870912)
  --max-lookups N             name lookups in flight overall (default 8; 2 per
                              WebSocket, 4 per client address)
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
      "token-single-use": { type: "boolean" },
      motd: { type: "string" },
      password: { type: "string", multiple: true },
      "no-wisp-v2": { type: "boolean" },
      "max-packet-bytes": { type: "string" },
      "stream-buffer-bytes": { type: "string" },
      "connection-buffer-bytes": { type: "string" },
      "total-buffer-bytes": { type: "string" },
      "max-lookups": { type: "string" },
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
  for (const rule of [...(values["allow-host"] ?? []), ...(values["deny-host"] ?? [])]) {
    try {
      parseHostRule(rule);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  let passwords: Record<string, string> | undefined;
  for (const entry of values.password ?? []) {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw new UsageError(`--password: expected USER:PASS`);
    passwords ??= {};
    passwords[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
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
    singleUseTokens: values["token-single-use"] ?? false,
    motd: values.motd,
    passwords,
    wispV2: !(values["no-wisp-v2"] ?? false),
    maxPacketBytes: parseCount(values["max-packet-bytes"], "--max-packet-bytes"),
    streamBufferBytes: parseCount(values["stream-buffer-bytes"], "--stream-buffer-bytes"),
    connectionBufferBytes: parseCount(values["connection-buffer-bytes"], "--connection-buffer-bytes"),
    totalBufferBytes: parseCount(values["total-buffer-bytes"], "--total-buffer-bytes"),
    maxLookups: parseCount(values["max-lookups"], "--max-lookups"),
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
  let shim: Awaited<ReturnType<typeof createShim>>;
  try {
    shim = await createShim({ ...parsed.options, logger });
  } catch (err) {
    if (err instanceof LmwError && err.code === "ERR_INVALID_ARG") {
      io.stderr.write(`lwip-shim: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
  // The URL on stdout, for scripts (and tests) that start the shim on port 0.
  io.stdout.write(`${shim.url}\n`);
  const signal = await io.stopped;
  logger({ level: "info", event: "signal", signal });
  await shim.close();
  return 0;
}
