// lwip-https's command line: the --help text, the option table, and parse(), which turns
// argv into CliOptions or a UsageError (printed curl-style by main). Nothing here touches
// the network.
import { parseArgs } from "node:util";
import type { TlsVersion } from "../device/tls-config.js";
import { parseConnectTo, parseResolve, type ConnectToRule, type ResolveRule } from "../dialer/mapping.js";
import { exitCodeHelp } from "./exit-codes.js";

export const NAME = "lwip-https";

export const HELP = `Usage: ${NAME} [options] <url>

Fetches <url> the way curl does, but through an embedded TCP/IP and TLS stack: the
device (lwIP 2.2.1 + Mbed TLS 3.6, compiled to WebAssembly) -> a virtual Ethernet
link -> the router (lwIP, NAT) -> real sockets. Certificates are verified against
the bundled CA set unless --cacert or -k says otherwise.

Options:
      --cacert <file>          trust the roots in this PEM file instead of the bundled set
  -k, --insecure               do not verify the server's certificate (INSECURE)
  -v, --verbose                connection, TLS and timing details, headers ("* ", "> ", "< ") to stderr
  -o, --output <file>          write the body to <file> instead of stdout ("-": stdout,
                               even binary to a terminal)
  -w, --write-out <format>     print <format> after the transfer, with curl's variables:
                               %{http_code} %{url_effective} %{num_redirects}
                               %{size_download} %{size_header} %{speed_download}
                               %{content_type} %{remote_ip} %{remote_port} %{local_ip}
                               %{local_port} %{scheme} %{http_version} %{exitcode}
                               %{errormsg} %{time_namelookup} %{time_connect}
                               %{time_appconnect} %{time_pretransfer}
                               %{time_starttransfer} %{time_redirect} %{time_total}
                               (seconds), %header{name}, %{stderr} %{stdout}, \n \t;
                               @file reads the format from a file, @- from stdin
  -A, --user-agent <name>      the User-Agent header
  -u, --user <user:password>   HTTP Basic authentication
  -X, --request <method>       request method (default GET, or POST with -d)
  -H, --header 'Name: value'   add a request header (repeatable)
  -d, --data <data|@file>      request body (repeatable, joined with &); @file reads a file
                               as is, @- reads stdin; Content-Type defaults to
                               application/x-www-form-urlencoded
  -L, --location               follow redirects
      --max-redirs <n>         with -L, at most <n> redirects (default 20; -1: no limit)
  -I, --head                   HEAD request; print the response head
  -i, --include                print the response head before the body (every hop's with -L)
  -f, --fail                   exit 22, without printing the body, on HTTP status >= 400
  -s, --silent                 no progress bar, no error message
  -S, --show-error             with -s, still print the error message
      --tls-min <1.2|1.3>      lowest TLS version to offer
      --tls-max <1.2|1.3>      highest TLS version to offer
      --connect-timeout <s>    limit for TCP connect + TLS handshake, seconds
  -m, --max-time <s>           limit for the whole transfer, seconds
      --resolve <host:port:addr[,addr]...>
                               connect to addr for host:port (curl's meaning; host "*" is
                               any name); SNI, Host and the certificate check keep host
      --connect-to <host1:port1:host2:port2>
                               a request for host1:port1 connects to host2:port2 instead
                               (empty fields: any host/port, or unchanged); before --resolve
      --wisp <ws-url>          reach the outside through a Wisp relay (lwip-shim), as a
                               browser does, instead of the host's own sockets
      --c-client               run the book's C client (native/apps/https_client.c) instead
                               of fetch: HTTPS GET only (takes -i, -o, -k, --cacert,
                               -v, -f, -s, -m, -w, --resolve, --connect-to, --pcap)
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
  "write-out": { type: "string", short: "w" },
  "user-agent": { type: "string", short: "A" },
  user: { type: "string", short: "u" },
  "max-redirs": { type: "string" },
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
  resolve: { type: "string", multiple: true },
  "connect-to": { type: "string", multiple: true },
  pcap: { type: "string" },
  keylog: { type: "string" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

export class UsageError extends Error {}

export interface CliOptions {
  url: URL;
  cacert?: string;
  insecure: boolean;
  verbose: boolean;
  output?: string;
  /** -w's format (already read from @file). */
  writeOut?: string;
  maxRedirs?: number;
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
  resolve: ResolveRule[];
  connectTo: ConnectToRule[];
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

/** A --resolve / --connect-to rule, or its error as a usage error. */
function rule<T>(parseRule: (text: string) => T, text: string): T {
  try {
    return parseRule(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export type Parsed = { help: true } | { version: true } | { options: CliOptions };

/** Node's parse errors, in curl's words ("option --bogus: is unknown"). */
function curlStyle(e: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `option ${quoted}: is unknown`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
    return /argument missing/.test(e.message) ? `option ${name}: requires parameter` : `option ${name}: takes no parameter`;
  }
  return e.message;
}

function basicAuth(user: string): string {
  if (!user.includes(":")) throw new UsageError(`-u wants user:password (there is no password prompt), not ${JSON.stringify(user)}`);
  const bytes = new TextEncoder().encode(user);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

function redirectLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === "-1") return Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(text)) throw new UsageError(`--max-redirs: a number of redirects (or -1), not ${text}`);
  return Number(text);
}

export function parse(argv: string[]): Parsed {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new UsageError(curlStyle(e as Error & { code?: string }));
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
  if (values["user-agent"] !== undefined) headers.set("user-agent", values["user-agent"]);
  if (values.user !== undefined && !headers.has("authorization")) headers.set("authorization", basicAuth(values.user));
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
    // Only what was given: -I alone must not be reported as "-X" (it sets the method).
    const extra = [data && "-d", values.head && "-I", values.request !== undefined && "-X", values.header && "-H",
      values["user-agent"] !== undefined && "-A", values.user !== undefined && "-u", values.location && "-L",
      values["max-redirs"] !== undefined && "--max-redirs", values.keylog && "--keylog", values["tls-min"] && "--tls-min",
      values["tls-max"] && "--tls-max"].filter(Boolean);
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
      writeOut: values["write-out"],
      maxRedirs: redirectLimit(values["max-redirs"]),
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
      resolve: (values.resolve ?? []).map((t) => rule(parseResolve, t)),
      connectTo: (values["connect-to"] ?? []).map((t) => rule(parseConnectTo, t)),
      pcap: values.pcap,
      keylog: values.keylog,
    },
  };
}

