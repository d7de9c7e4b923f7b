// Short-lived access tokens for the shim: `base64url(JSON{t,e}) "." base64url(HMAC-SHA256)`.
// `t` is the target the token grants ("host:port", "[v6]:port" or "*"), `e` the expiry in
// Unix seconds. Whoever holds the secret (your web app's backend) mints them; the shim
// verifies with a constant-time comparison.
//
// Semantics (what the shim does with them):
// - The token is checked at the WebSocket upgrade (format, signature, expiry): a missing
//   or invalid one gets HTTP 401 and the socket is destroyed, so it never holds a slot.
// - It is checked again at every CONNECT (expiry, and that it grants that target).
// - Multi-use by default: until it expires, one token opens as many WebSockets as the
//   connection limits allow. With `singleUseTokens`, a token opens one WebSocket only.
// - Streams already open outlive the token's expiry; no new stream opens after it.
// - The text must be exactly what createToken makes: base64url without padding, one dot,
//   a 43-character MAC. Anything appended (`==`, `!!`, a space) is "malformed".

import { createHmac, timingSafeEqual } from "node:crypto";
import { splitHostPort } from "./address.js";

export interface CreateTokenOptions {
  secret: string | Uint8Array;
  /** "host:port" or "*" for any target the shim's policy allows. */
  target: string;
  ttlSeconds: number;
  /** Clock override (ms since epoch), for tests. */
  now?: number;
}

function sign(secret: string | Uint8Array, body: string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

export function createToken(options: CreateTokenOptions): string {
  const now = options.now ?? Date.now();
  const body = Buffer.from(
    JSON.stringify({ t: options.target, e: Math.floor(now / 1000) + Math.floor(options.ttlSeconds) }),
  ).toString("base64url");
  return `${body}.${sign(options.secret, body).toString("base64url")}`;
}

/** base64url body, one dot, a SHA-256 MAC in base64url without padding (43 characters). */
const TOKEN_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/** Remembers the tokens already used, until they expire (for single-use tokens). */
export class UsedTokens {
  private readonly used = new Map<string, number>();
  private claims = 0;
  /** True the first time a (verified) token is seen, false after. */
  claim(token: string, expires: number, now: number = Date.now()): boolean {
    const nowS = Math.floor(now / 1000);
    if (++this.claims % 256 === 0) {
      for (const [t, e] of this.used) if (e <= nowS) this.used.delete(t); // expired: would fail anyway
    }
    if (this.used.has(token)) return false;
    this.used.set(token, expires);
    return true;
  }
}

export type TokenCheck =
  | { ok: true; target: string; expires: number }
  | { ok: false; why: "malformed" | "signature" | "expired" | "target" };

/** Verifies a token's signature and expiry and, if `target` is given, that it grants it. */
export function verifyToken(
  secret: string | Uint8Array,
  token: string,
  target?: { host: string; port: number },
  now: number = Date.now(),
): TokenCheck {
  // Strict form first: Buffer's base64url decoder skips characters it does not know, so
  // without this check `<token>==` or `<token>!!` would verify.
  if (token.length > 1024 || !TOKEN_RE.test(token)) return { ok: false, why: "malformed" };
  const dot = token.indexOf(".");
  const body = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = sign(secret, body);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, why: "signature" };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, why: "malformed" };
  }
  if (typeof claims !== "object" || claims === null) return { ok: false, why: "malformed" };
  const { t, e } = claims as { t?: unknown; e?: unknown };
  if (typeof t !== "string" || typeof e !== "number") return { ok: false, why: "malformed" };
  if (Math.floor(now / 1000) >= e) return { ok: false, why: "expired" };
  if (target && t !== "*") {
    const granted = splitHostPort(t);
    if (!granted || granted.port !== target.port || granted.host.toLowerCase() !== target.host.toLowerCase()) {
      return { ok: false, why: "target" };
    }
  }
  return { ok: true, target: t, expires: e };
}
