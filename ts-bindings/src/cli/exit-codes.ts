// lwip-https's exit codes: curl's numbers, so scripts written for curl keep working.
// This table is the one place that maps library error codes to them; --help prints it.

export interface ExitRule {
  exit: number;
  /** Exact LmwError codes, or a prefix ending in "*". */
  codes: readonly string[];
  meaning: string;
}

/** In order: the first rule that matches wins. ERR_CONNECTION_RESET is 7 only while
 *  connecting (see exitCodeFor); afterwards it is 1, like any other error. */
export const EXIT_RULES: readonly ExitRule[] = [
  { exit: 6, codes: ["ERR_DNS_NOT_FOUND"], meaning: "could not resolve the host name" },
  { exit: 7, codes: ["ERR_CONNECTION_REFUSED", "ERR_HOST_UNREACHABLE", "ERR_BLOCKED_BY_RELAY", "ERR_DIAL_FAILED", "ERR_CONNECT"], meaning: "could not connect (also ERR_CONNECTION_RESET while connecting)" },
  { exit: 28, codes: ["ERR_TIMEOUT", "ERR_TIMEOUT_*"], meaning: "timed out (--connect-timeout, -m, or the library's own limits)" },
  {
    exit: 60,
    codes: [
      "ERR_TLS_CERT_EXPIRED", "ERR_TLS_CERT_NOT_YET_VALID", "ERR_TLS_HOSTNAME_MISMATCH", "ERR_TLS_CERT_UNTRUSTED",
      "ERR_TLS_CERT_WEAK_SIGNATURE", "ERR_TLS_CERT_WEAK_KEY", "ERR_TLS_CERT_BAD_USAGE", "ERR_TLS_CERT_INVALID", "ERR_TLS_CERT_MISSING",
    ],
    meaning: "the server's certificate is not trusted",
  },
  { exit: 77, codes: ["ERR_CACERT_READ", "ERR_TLS_CA_INVALID", "ERR_TLS_CONFIG"], meaning: "could not read or load the --cacert file (Mbed TLS parsed no certificate in it)" },
  { exit: 35, codes: ["ERR_TLS_*"], meaning: "TLS handshake failed, or any other TLS error (version or suite mismatch, alert)" },
  { exit: 47, codes: ["ERR_HTTP_TOO_MANY_REDIRECTS"], meaning: "too many redirects (-L)" },
  { exit: 22, codes: ["ERR_HTTP_STATUS"], meaning: "HTTP status >= 400 with --fail" },
  { exit: 23, codes: ["ERR_WRITE_OUTPUT", "ERR_BINARY_TO_TERMINAL"], meaning: "could not write the body (stdout or -o), or would write binary to a terminal" },
  { exit: 26, codes: ["ERR_READ_INPUT"], meaning: "could not read the -d @file" },
  { exit: 2, codes: ["ERR_USAGE"], meaning: "bad option or argument" },
];

/** Anything else, e.g. ERR_CONNECTION_RESET after connecting, ERR_HTTP_PARSE. */
export const EXIT_OTHER = 1;

function matches(pattern: string, code: string): boolean {
  return pattern.endsWith("*") ? code.startsWith(pattern.slice(0, -1)) : pattern === code;
}

/** The exit code for an error code; `whileConnecting`: the error ended a connect attempt. */
export function exitCodeFor(code: string, whileConnecting = false): number {
  if (code === "ERR_CONNECTION_RESET" && whileConnecting) return 7;
  for (const rule of EXIT_RULES) if (rule.codes.some((p) => matches(p, code))) return rule.exit;
  return EXIT_OTHER;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The table for --help. */
export function exitCodeHelp(): string {
  const rows = [
    "   0  success (whatever the HTTP status, unless --fail)",
    ...[...EXIT_RULES].sort((a, b) => a.exit - b.exit).flatMap((r) => [`  ${String(r.exit).padStart(2)}  ${r.meaning}`, ...wrap(r.codes.join(", "), 72).map((l) => `      ${l}`)]),
    `  ${String(EXIT_OTHER).padStart(2)}  any other error`,
  ];
  return rows.join("\n");
}
