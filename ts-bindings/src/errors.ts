// One error class for the whole library, with a stable string `code`, the layer it came
// from and the native code behind it (undici's errors are the model). Never throw strings.

export type ErrorLayer = "lwip" | "mbedtls" | "x509" | "dns" | "dialer" | "shim" | "wisp" | "http" | "setup" | "api";

export interface LmwErrorOptions {
  layer: ErrorLayer;
  /** The native code: an lwIP err_t, an Mbed TLS error, X.509 flags, a Wisp close reason... */
  nativeCode?: number;
  cause?: unknown;
}

export class LmwError extends Error {
  /** Stable, documented identifier, e.g. "ERR_TLS_CERT_EXPIRED". */
  readonly code: string;
  readonly layer: ErrorLayer;
  readonly nativeCode: number | undefined;

  constructor(code: string, message: string, options: LmwErrorOptions) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "LmwError";
    this.code = code;
    this.layer = options.layer;
    this.nativeCode = options.nativeCode;
  }
}

export function isLmwError(e: unknown, code?: string): e is LmwError {
  return e instanceof LmwError && (code === undefined || e.code === code);
}
