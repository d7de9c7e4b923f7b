// What to do next, per error code. Keyed by the library's ErrorCode, so a hint for a code
// that does not exist fails to compile.
import type { ErrorCode } from "../../../ts-bindings/src/errors.js";

export interface HintContext {
  host: string;
  port: string;
  relay: string;
}

type Hint = (c: HintContext) => string;

const isLocal = (host: string): boolean => host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "[::1]" || host === "::1";

const LOOPBACK = "To reach a server on this machine, start the playground with `npm run playground -- --allow-loopback` (and `--allow-private` for addresses on your LAN).";
const CERT = "Paste the CA that issued it (for a test server, its test root), or turn verification off to look at the server anyway.";

const HINTS: Partial<Record<ErrorCode, Hint>> = {
  ERR_DNS_NOT_FOUND: (c) => `The relay could not resolve "${c.host}". Check the spelling; a name known only to this machine (/etc/hosts) must also resolve where the relay runs.`,
  ERR_BLOCKED_BY_RELAY: (c) => `The relay's policy refuses ${c.host}:${c.port}. ${LOOPBACK}`,
  ERR_CONNECTION_REFUSED: (c) =>
    `Nothing accepted the connection on ${c.host}:${c.port}. Is the server running, and on that port?` +
    (isLocal(c.host) ? ` A relay that refuses local destinations by policy can look the same here: ${LOOPBACK}` : ""),
  ERR_HOST_UNREACHABLE: (c) => `The relay has no route to ${c.host}. Check the address, and that the relay's machine is on a network that reaches it.`,
  ERR_TIMEOUT_CONNECT: (c) => `${c.host}:${c.port} did not answer the connection in time: a firewall that drops packets, or a wrong address or port.`,
  ERR_TIMEOUT_HANDSHAKE: () => "TCP connected but the TLS handshake did not finish: is the port really TLS (try http://)?",
  ERR_TIMEOUT_HEADERS: () => "The server accepted the request but sent no response head in time.",
  ERR_TIMEOUT_IDLE: () => "The body stopped arriving. Press Stop to give up sooner; the capture shows the last bytes.",
  ERR_THROTTLED: () => "The relay refuses for load or rate: wait and run again.",
  ERR_INVALID_TARGET: () => "The relay could not use this host and port.",
  ERR_TLS_CERT_UNTRUSTED: () => `The server's chain does not lead to a CA this page trusts. ${CERT}`,
  ERR_TLS_CERT_EXPIRED: () => `The server's certificate has expired: the server needs a new one. ${CERT}`,
  ERR_TLS_CERT_NOT_YET_VALID: () => "The certificate's validity starts in the future: check this machine's clock or the server's certificate.",
  ERR_TLS_HOSTNAME_MISMATCH: (c) => `The certificate is not for "${c.host}" (its names are below). Use a name it covers, or fix the server's certificate.`,
  ERR_TLS_CERT_WEAK_SIGNATURE: () => "The chain is signed with a hash Mbed TLS refuses (e.g. SHA-1): the server needs a current certificate.",
  ERR_TLS_CERT_WEAK_KEY: () => "The chain uses a key Mbed TLS refuses (too short, or an unsupported algorithm).",
  ERR_TLS_HANDSHAKE_FAILED: () => "The server ended the handshake (an alert, or no common version or suite). The Packets tab shows the alert.",
  ERR_WISP_CONNECT_FAILED: (c) => `The page could not open its WebSocket to the relay at ${c.relay}. Is \`npm run playground\` (or \`lwip-shim\`) running there?`,
  ERR_WISP_CONNECTION_LOST: () => "The WebSocket to the relay closed mid-run: was the relay stopped?",
  ERR_INVALID_URL: () => "Type a full URL: http:// or https://, a host, an optional port and path.",
  ERR_HTTP_PARSE: () => "The response is not HTTP/1.1 as the parser reads it; the hex view of the packets shows what came.",
  ERR_HTTP_NO_RESPONSE: () => "The server closed the connection without answering. Is it an HTTP server on that port (http vs https)?",
  ERR_HTTP_TOO_MANY_REDIRECTS: () => "The redirects go round: the Timing tab lists every hop.",
  ERR_ABORTED: () => "Stopped. What arrived until then is still in the tabs.",
  ERR_PICO_START: () => "The program's files did not load from this server: `npm run playground` builds the bundled programs (it needs emcc) and serves them under pico/.",
  ERR_PICO_TRAP: () => "The program trapped or panicked; its last lines of output are above and in the Terminal tab.",
};

/** The hint for a code (an LmwError's, or a name the page gives other errors), or "". */
export function hintFor(code: string, context: HintContext): string {
  return Object.hasOwn(HINTS, code) ? HINTS[code as ErrorCode]!(context) : "";
}
