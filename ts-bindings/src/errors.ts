// One error class for the whole library, with a stable string `code`, the layer it came
// from and the native code behind it (undici's errors are the model). Never throw strings.
//
// ERROR_CODES is the one list of codes: the compiler checks every `new LmwError(code…)`
// against it, and each entry says what the code means.
import type { LwipErr } from "./ffi/generated/errors.js";

export type ErrorLayer = "lwip" | "mbedtls" | "x509" | "dns" | "dialer" | "shim" | "wisp" | "http" | "setup" | "api";

export const ERROR_CODES = {
  // Arguments and use of the API
  ERR_INVALID_ARG: "an argument is out of range or malformed (host, port, option)",
  ERR_INVALID_URL: "the URL cannot be parsed or has an unsupported scheme",
  ERR_INVALID_TARGET: "the destination is not a valid host and port (Wisp CLOSE 0x41)",
  ERR_BINARY_TO_TERMINAL: "lwip-https would print binary data to a terminal (use -o, or --output - to insist)",
  ERR_USAGE: "a command line could not be parsed",
  ERR_ABORTED: "the operation was aborted through its AbortSignal",
  ERR_CLOSED: "the object (fetch client, network) was closed",
  ERR_NETWORK_CLOSED: "the Network was closed while the operation ran",
  ERR_INTERNAL: "an invariant of the library was broken (a bug: please report it)",
  ERR_READ_INPUT: "a file or stdin given as input could not be read",
  ERR_WRITE_OUTPUT: "the output file could not be written",
  ERR_CACERT_READ: "the CA file could not be read",
  // Set-up of a stack
  ERR_INIT: "the module could not be loaded or a stack not started",
  ERR_ENTROPY: "the host's entropy source failed",
  ERR_NETIF: "a network interface could not be added",
  ERR_ROUTER: "the router could not be started",
  ERR_NO_DIALER: "no dialer: the network cannot reach the outside",
  ERR_NO_DEVICE: "the network was made without the library's device (device: false); attach one",
  ERR_DHCP: "the device got no address from the router's DHCP server in time",
  ERR_FORWARD: "a forward's listener could not be opened on the host (port in use, no permission)",
  ERR_LINK_FRAMING: "a stream link peer sent a frame length out of range (QEMU -netdev stream framing)",
  // Connections (lwIP, the router, the dialers)
  ERR_CONNECT: "lwIP refused to start the connection",
  ERR_LISTEN: "lwIP could not listen on the address and port",
  ERR_CONNECTION_REFUSED: "the destination refused the connection (RST, ECONNREFUSED, Wisp 0x44)",
  ERR_CONNECTION_RESET: "the connection was reset after it was open",
  ERR_CONNECTION_ABORTED: "lwIP aborted the connection",
  ERR_CONNECTION_CLOSED: "the connection was closed before the operation finished",
  ERR_SOCKET_CLOSED: "the socket was already closed",
  ERR_SOCKET_DESTROYED: "the socket was destroyed by its owner",
  ERR_STREAM_DESTROYED: "a dialed stream was destroyed",
  ERR_HOST_UNREACHABLE: "no route to the destination (EHOSTUNREACH, ENETUNREACH, Wisp 0x42)",
  ERR_DNS_NOT_FOUND: "the host name does not resolve (NXDOMAIN, ENOTFOUND, Wisp 0x45)",
  ERR_DIAL_FAILED: "the dialer could not open the connection, for a reason it does not name",
  ERR_DIALER_CLOSED: "the dialer was closed",
  ERR_BLOCKED_BY_RELAY: "the relay's policy refuses this destination (Wisp CLOSE 0x48)",
  ERR_THROTTLED: "the relay refused for load or rate (Wisp CLOSE 0x49)",
  ERR_UDP: "a UDP socket could not be opened or bound",
  ERR_UDP_SEND: "a datagram could not be sent",
  ERR_DATAGRAM_TOO_LARGE: "the datagram is larger than one IP packet can carry",
  // Wisp
  ERR_WISP_CONNECT_FAILED: "the WebSocket to the Wisp relay could not be opened",
  ERR_WISP_CONNECTION_LOST: "the WebSocket to the Wisp relay closed under open streams",
  ERR_WISP_CLOSED: "the relay closed the stream with a reason that has no code of its own",
  ERR_WISP_MALFORMED: "the relay sent a packet that does not parse",
  // Timeouts
  ERR_TIMEOUT: "an operation made no progress within its limit",
  ERR_TIMEOUT_CONNECT: "the TCP connection was not established in time",
  ERR_TIMEOUT_HANDSHAKE: "the TLS handshake did not finish in time",
  ERR_TIMEOUT_HEADERS: "the response headers did not arrive in time",
  ERR_TIMEOUT_IDLE: "no body bytes arrived within the idle limit",
  ERR_TIMEOUT_TOTAL: "the whole operation exceeded its limit",
  // TLS
  ERR_TLS_CONFIG: "the TLS options were refused by Mbed TLS",
  ERR_TLS_CA_INVALID: "the CA certificates do not parse",
  ERR_TLS_CERT_INVALID: "a certificate or key given as an option does not parse, or verification failed for another reason",
  ERR_TLS_HANDSHAKE_FAILED: "the TLS handshake failed (an alert, no common version or suite)",
  ERR_TLS_RECORD: "a TLS record failed (bad MAC, bad record)",
  ERR_TLS_CERT_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_NOT_YET_VALID: "the server's certificate is not yet valid",
  ERR_TLS_HOSTNAME_MISMATCH: "the server's certificate does not match the host name",
  ERR_TLS_CERT_UNTRUSTED: "the server's certificate is not signed by a trusted CA",
  ERR_TLS_CERT_WEAK_SIGNATURE: "the chain uses a refused signature hash (e.g. SHA-1)",
  ERR_TLS_CERT_WEAK_KEY: "the chain uses a key that is too weak or a refused algorithm",
  ERR_TLS_CERT_BAD_USAGE: "a certificate's key usage does not allow this use",
  ERR_TLS_CERT_MISSING: "the server sent no certificate",
  // HTTP
  ERR_HTTP_PARSE: "the response does not parse as HTTP/1.1",
  ERR_HTTP_NO_RESPONSE: "the server closed the connection before a response",
  ERR_HTTP_PREMATURE_CLOSE: "the connection closed before the end of the body",
  ERR_HTTP_DECODE: "the body's content encoding (gzip, deflate) is corrupt",
  ERR_HTTP_BODY_NOT_ALLOWED: "a GET or HEAD request was given a body",
  ERR_HTTP_REDIRECT: "a redirect was refused (redirect: 'error', or a bad Location)",
  ERR_HTTP_TOO_MANY_REDIRECTS: "more redirects than the limit",
  ERR_HTTP_STATUS: "the status was 400 or above and the caller asked to fail on it",
} as const;

/** lwIP err_t values with no code of their own: ERR_LWIP_MEM, ERR_LWIP_BUF, ... */
export type LwipErrorCode = `ERR_LWIP_${keyof typeof LwipErr extends `ERR_${infer Name}` ? Name : never}`;

/** Every code an LmwError can carry. */
export type ErrorCode = keyof typeof ERROR_CODES | LwipErrorCode;

export interface LmwErrorOptions {
  layer: ErrorLayer;
  /** The native code: an lwIP err_t, an Mbed TLS error, X.509 flags, a Wisp close reason... */
  nativeCode?: number;
  cause?: unknown;
}

export class LmwError extends Error {
  /** Stable, documented identifier, e.g. "ERR_TLS_CERT_EXPIRED" (see ERROR_CODES). */
  readonly code: ErrorCode;
  readonly layer: ErrorLayer;
  readonly nativeCode: number | undefined;

  constructor(code: ErrorCode, message: string, options: LmwErrorOptions) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "LmwError";
    this.code = code;
    this.layer = options.layer;
    this.nativeCode = options.nativeCode;
  }
}

export function isLmwError(e: unknown, code?: ErrorCode): e is LmwError {
  return e instanceof LmwError && (code === undefined || e.code === code);
}
