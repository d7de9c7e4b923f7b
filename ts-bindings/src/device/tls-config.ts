// TLS configurations: trust, verification, versions, ALPN, suites, client certificates.
import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";
import { mbedtlsErrorName } from "../ffi/native-errors.js";
import type { Stack } from "./stack.js";

export type TlsVersion = "1.2" | "1.3";

export interface TlsClientOptions {
  /** Trusted roots (PEM text, several allowed). Default: the bundled CA set. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Skips certificate verification, as the Pico W examples do. Insecure: anyone on the
   *  path can read and change the traffic. */
  dangerouslySkipVerification?: boolean;
  alpn?: string[];
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** Cipher suites in preference order (Mbed TLS names, e.g. "TLS1-3-CHACHA20-POLY1305-SHA256"). */
  ciphers?: string[];
  /** Client certificate chain and key (PEM). */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Emit NSS key log lines (for Wireshark) through the stack's log. */
  keylog?: boolean;
}

export interface TlsServerOptions {
  cert: string | Uint8Array;
  key: string | Uint8Array;
  alpn?: string[];
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ciphers?: string[];
  keylog?: boolean;
}

/** ChaCha20-Poly1305 first: without AES hardware, it is several times faster in WASM. */
export const DEFAULT_CLIENT_CIPHERS = [
  "TLS1-3-CHACHA20-POLY1305-SHA256",
  "TLS1-3-AES-128-GCM-SHA256",
  "TLS1-3-AES-256-GCM-SHA384",
  "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
  "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256",
  "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
  "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256",
  "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
  "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384",
];

const VERSIONS: Record<TlsVersion, number> = { "1.2": 0x0303, "1.3": 0x0304 };
const encoder = new TextEncoder();
const NEWLINE = Uint8Array.of(10);

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? encoder.encode(v) : v;
}

function joinPem(v: string | Uint8Array | (string | Uint8Array)[]): Uint8Array {
  const parts = (Array.isArray(v) ? v : [v]).map(toBytes);
  return parts.length === 1 ? parts[0]! : concatBytes(parts.flatMap((p) => [p, NEWLINE]));
}

let warnedInsecure = false;

/** The user was already warned about dangerouslySkipVerification in other words (lwip-https
 *  warns about its -k): the library does not warn again. */
export function markInsecureWarned(): void {
  warnedInsecure = true;
}

function check(ret: number, what: string): void {
  if (ret !== 0) {
    throw new LmwError("ERR_TLS_CONFIG", `${what}: ${mbedtlsErrorName(ret)} (-0x${(-ret).toString(16)})`, {
      layer: "mbedtls",
      nativeCode: ret,
    });
  }
}

export class TlsConfig implements Disposable {
  readonly stack: Stack;
  readonly isServer: boolean;
  /** Roots of the CA set that Mbed TLS could not parse (skipped). */
  readonly skippedRoots: number;
  readonly verify: boolean;
  #ptr: number;

  private constructor(stack: Stack, ptr: number, isServer: boolean, skipped: number, verify: boolean) {
    this.stack = stack;
    this.#ptr = ptr;
    this.isServer = isServer;
    this.skippedRoots = skipped;
    this.verify = verify;
  }

  get ptr(): number {
    if (this.#ptr === 0) throw new Error("TLS config used after dispose");
    return this.#ptr;
  }

  static client(stack: Stack, options: TlsClientOptions & { ca: NonNullable<TlsClientOptions["ca"]> | null }): TlsConfig {
    const { mem, mod } = stack;
    const skipVerify = options.dangerouslySkipVerification === true;
    if (skipVerify && !warnedInsecure) {
      warnedInsecure = true;
      console.warn("lwip-mbedtls-wasm: WARNING: TLS certificate verification is OFF (dangerouslySkipVerification). " +
        "Anyone on the network path can read and modify this traffic.");
    }
    const ca = options.ca === null ? new Uint8Array(0) : joinPem(options.ca);
    using caBuf = mem.bytes(ca);
    using skipped = mem.alloc(4);
    using out = mem.alloc(4);
    check(mod._lmw_tls_config_client(caBuf.ptr, ca.length, skipped.ptr, out.ptr), "cannot load the trusted CA certificates");
    const cfg = new TlsConfig(stack, out.u32(), false, skipped.i32(), !skipVerify);
    try {
      if (skipVerify) check(mod._lmw_tls_config_set_verify(cfg.ptr, 0), "cannot set verification");
      cfg.#common(options.ciphers ?? DEFAULT_CLIENT_CIPHERS, options);
      if (options.cert || options.key) {
        if (!options.cert || !options.key) throw new TypeError("a client certificate needs both cert and key");
        using c = mem.bytes(toBytes(options.cert));
        using k = mem.bytes(toBytes(options.key));
        check(mod._lmw_tls_config_set_client_cert(cfg.ptr, c.ptr, c.size, k.ptr, k.size), "cannot load the client certificate");
      }
    } catch (e) {
      cfg.dispose();
      throw e;
    }
    return cfg;
  }

  static server(stack: Stack, options: TlsServerOptions): TlsConfig {
    const { mem, mod } = stack;
    using c = mem.bytes(toBytes(options.cert));
    using k = mem.bytes(toBytes(options.key));
    using out = mem.alloc(4);
    check(mod._lmw_tls_config_server(c.ptr, c.size, k.ptr, k.size, out.ptr), "cannot load the server certificate and key");
    const cfg = new TlsConfig(stack, out.u32(), true, 0, false);
    try {
      cfg.#common(options.ciphers, options);
    } catch (e) {
      cfg.dispose();
      throw e;
    }
    return cfg;
  }

  #common(ciphers: string[] | undefined, o: { alpn?: string[]; minVersion?: TlsVersion; maxVersion?: TlsVersion; keylog?: boolean }): void {
    const { mem, mod } = this.stack;
    if (o.minVersion || o.maxVersion) {
      const min = o.minVersion ? VERSIONS[o.minVersion] : 0;
      const max = o.maxVersion ? VERSIONS[o.maxVersion] : 0;
      if (min === undefined || max === undefined) throw new TypeError("TLS versions are \"1.2\" or \"1.3\"");
      check(mod._lmw_tls_config_set_versions(this.ptr, min, max), "cannot set the TLS versions");
    }
    if (o.alpn && o.alpn.length > 0) {
      using a = mem.cstring(o.alpn.join(","));
      check(mod._lmw_tls_config_set_alpn(this.ptr, a.ptr), "cannot set ALPN");
    }
    if (ciphers && ciphers.length > 0) {
      using s = mem.cstring(ciphers.join(","));
      check(mod._lmw_tls_config_set_ciphersuites(this.ptr, s.ptr), "cannot set the cipher suites");
    }
    if (o.keylog) check(mod._lmw_tls_config_set_keylog(this.ptr, 1), "cannot enable the key log");
  }

  dispose(): void {
    if (this.#ptr === 0) return;
    if (!this.stack.disposed) this.stack.mod._lmw_tls_config_free(this.#ptr);
    this.#ptr = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** A saved TLS session (TLS 1.2 session or TLS 1.3 ticket) for resumption. */
export class TlsSession implements Disposable {
  readonly stack: Stack;
  #ptr: number;

  constructor(stack: Stack, ptr: number) {
    this.stack = stack;
    this.#ptr = ptr;
  }

  get ptr(): number {
    if (this.#ptr === 0) throw new Error("TLS session used after dispose");
    return this.#ptr;
  }

  dispose(): void {
    if (this.#ptr === 0) return;
    if (!this.stack.disposed) this.stack.mod._lmw_tls_session_free(this.#ptr);
    this.#ptr = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
