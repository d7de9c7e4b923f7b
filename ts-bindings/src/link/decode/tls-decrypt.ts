// Decrypts the TLS records of a capture with the stack's key log (NSS format, the `keylog`
// log source): what Wireshark does with a (Pre)-Master-Secret log, in a page.
//
//   TLS 1.3: *_HANDSHAKE_TRAFFIC_SECRET and *_TRAFFIC_SECRET_0 -> key and IV by
//            HKDF-Expand-Label (RFC 8446 7.1, 7.3); nonce = IV xor sequence number.
//   TLS 1.2: CLIENT_RANDOM's master secret -> the key block by the TLS 1.2 PRF
//            (RFC 5246 5, 6.3); GCM nonce = 4-byte salt + the record's explicit 8 bytes
//            (RFC 5288), ChaCha20 nonce as in 1.3 (RFC 7905).
//
// AEAD suites only (our client offers no CBC): AES-128/256-GCM through WebCrypto,
// ChaCha20-Poly1305 through chacha20-poly1305.ts. WebCrypto needs a secure context in a
// browser (https, or http on localhost).
import { concatBytes } from "../../bytes.js";
import { chacha20Poly1305Open } from "./chacha20-poly1305.js";
import { HandshakeReader, certificateList, isEncrypted, type HandshakeMessage, type TlsConnection, type TlsRecord } from "./tls-stream.js";
import { fromHex, hex } from "./wire.js";

interface Suite {
  cipher: "AES-GCM" | "CHACHA20-POLY1305";
  keyLen: number;
  hash: "SHA-256" | "SHA-384";
}

const SUITES: Record<number, Suite> = {
  0x1301: { cipher: "AES-GCM", keyLen: 16, hash: "SHA-256" },
  0x1302: { cipher: "AES-GCM", keyLen: 32, hash: "SHA-384" },
  0x1303: { cipher: "CHACHA20-POLY1305", keyLen: 32, hash: "SHA-256" },
  0x009c: { cipher: "AES-GCM", keyLen: 16, hash: "SHA-256" },
  0x009d: { cipher: "AES-GCM", keyLen: 32, hash: "SHA-384" },
  0xc02b: { cipher: "AES-GCM", keyLen: 16, hash: "SHA-256" },
  0xc02c: { cipher: "AES-GCM", keyLen: 32, hash: "SHA-384" },
  0xc02f: { cipher: "AES-GCM", keyLen: 16, hash: "SHA-256" },
  0xc030: { cipher: "AES-GCM", keyLen: 32, hash: "SHA-384" },
  0xcca8: { cipher: "CHACHA20-POLY1305", keyLen: 32, hash: "SHA-256" },
  0xcca9: { cipher: "CHACHA20-POLY1305", keyLen: 32, hash: "SHA-256" },
  0xccaa: { cipher: "CHACHA20-POLY1305", keyLen: 32, hash: "SHA-256" },
};

/** The secrets of a key log, by client random (hex) and label. */
export class KeyLogSecrets {
  #byRandom = new Map<string, Map<string, Uint8Array>>();

  add(line: string): void {
    const [label, random, secret] = line.trim().split(/\s+/);
    if (!label || !random || !secret || random.length !== 64) return;
    let m = this.#byRandom.get(random.toLowerCase());
    if (!m) this.#byRandom.set(random.toLowerCase(), (m = new Map()));
    m.set(label, fromHex(secret));
  }

  get(clientRandom: Uint8Array, label: string): Uint8Array | undefined {
    return this.#byRandom.get(hex(clientRandom))?.get(label);
  }
}

export type Decrypted =
  | {
      ok: true;
      /** The real content type (TLS 1.3 hides it inside the record). */
      type: number;
      plaintext: Uint8Array;
      /** "handshake" or "application" traffic keys (TLS 1.3), "session" (1.2). */
      keys: string;
      /** The handshake messages in a decrypted handshake record. */
      handshake?: HandshakeMessage[];
    }
  | { ok: false; reason: string };

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("WebCrypto is not available (a page needs a secure context: https, or http on localhost)");
  return s;
}

async function hmac(hash: string, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, data as Uint8Array<ArrayBuffer>));
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** HKDF-Expand (RFC 5869 2.3). */
async function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, n = 0; n < length; i++) {
    t = await hmac(hash, prk, concat(t, info, new Uint8Array([i])));
    out.push(t);
    n += t.length;
  }
  return concat(...out).slice(0, length);
}

/** HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
export async function hkdfExpandLabel(hash: string, secret: Uint8Array, label: string, length: number): Promise<Uint8Array> {
  const l = ascii(`tls13 ${label}`);
  const info = concat(new Uint8Array([length >> 8, length & 255, l.length]), l, new Uint8Array([0]));
  return hkdfExpand(hash, secret, info, length);
}

/** The TLS 1.2 PRF, P_hash (RFC 5246 5). */
export async function tls12Prf(hash: string, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Promise<Uint8Array> {
  const s = concat(ascii(label), seed);
  const out: Uint8Array[] = [];
  let a = s;
  for (let n = 0; n < length; ) {
    a = await hmac(hash, secret, a);
    const p = await hmac(hash, secret, concat(a, s));
    out.push(p);
    n += p.length;
  }
  return concat(...out).slice(0, length);
}

interface Keys {
  suite: Suite;
  key: Uint8Array;
  iv: Uint8Array;
  name: string;
}

function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(seq));
  return b;
}

async function open(k: Keys, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
  if (k.suite.cipher === "CHACHA20-POLY1305") return chacha20Poly1305Open(k.key, nonce, sealed, aad);
  try {
    const key = await subtle().importKey("raw", k.key as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"]);
    const iv = nonce as Uint8Array<ArrayBuffer>;
    const additionalData = aad as Uint8Array<ArrayBuffer>;
    return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv, additionalData, tagLength: 128 }, key, sealed as Uint8Array<ArrayBuffer>));
  } catch (e) {
    if (e instanceof DOMException && e.name === "OperationError") return undefined; // bad tag
    throw e;
  }
}

function xorNonce(iv: Uint8Array, seq: number): Uint8Array {
  const n = iv.slice();
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) n[4 + i]! ^= s[i]!;
  return n;
}

/** Decrypts the records of one direction of one connection, in order, remembering where
 *  each key's sequence numbers start. */
class DirectionDecryptor {
  readonly #conn: TlsConnection;
  readonly #fromClient: boolean;
  readonly #secrets: KeyLogSecrets;
  #keys = new Map<string, Promise<Keys | undefined>>();
  /** Decryptions by record index. */
  #results = new Map<number, Promise<Decrypted>>();
  #chain: Promise<unknown> = Promise.resolve();
  /** TLS 1.3: the first encrypted record index under the application keys. */
  #appFrom: number | undefined;
  #handshake = new HandshakeReader();

  constructor(conn: TlsConnection, fromClient: boolean, secrets: KeyLogSecrets) {
    this.#conn = conn;
    this.#fromClient = fromClient;
    this.#secrets = secrets;
  }

  #keysFor(name: string): Promise<Keys | undefined> {
    let k = this.#keys.get(name);
    if (!k) {
      k = this.#derive(name);
      this.#keys.set(name, k);
    }
    return k;
  }

  async #derive(name: string): Promise<Keys | undefined> {
    const c = this.#conn;
    const suite = c.cipherSuite !== undefined ? SUITES[c.cipherSuite] : undefined;
    if (!suite || !c.clientRandom) return undefined;
    const side = this.#fromClient ? "CLIENT" : "SERVER";
    if (c.version === 0x0304) {
      const secret = this.#secrets.get(c.clientRandom, name === "handshake" ? `${side}_HANDSHAKE_TRAFFIC_SECRET` : `${side}_TRAFFIC_SECRET_0`);
      if (!secret) return undefined;
      return { suite, name, key: await hkdfExpandLabel(suite.hash, secret, "key", suite.keyLen), iv: await hkdfExpandLabel(suite.hash, secret, "iv", 12) };
    }
    const master = this.#secrets.get(c.clientRandom, "CLIENT_RANDOM");
    if (!master || !c.serverRandom) return undefined;
    const ivLen = suite.cipher === "AES-GCM" ? 4 : 12;
    const block = await tls12Prf(suite.hash, master, "key expansion", concat(c.serverRandom, c.clientRandom), 2 * suite.keyLen + 2 * ivLen);
    const k = this.#fromClient ? 0 : 1;
    return {
      suite,
      name,
      key: block.slice(k * suite.keyLen, (k + 1) * suite.keyLen),
      iv: block.slice(2 * suite.keyLen + k * ivLen, 2 * suite.keyLen + (k + 1) * ivLen),
    };
  }

  decrypt(rec: TlsRecord): Promise<Decrypted> {
    const cached = this.#results.get(rec.index);
    if (cached) return cached;
    if (!isEncrypted(rec)) return Promise.resolve({ ok: false, reason: "not encrypted" });
    const p = this.#chain.then(async () => {
      // TLS 1.3: where the application keys start is known only once this side's Finished
      // is decrypted, so the records before it are opened first, in order.
      const mine = this.#conn.records[this.#fromClient ? 0 : 1];
      for (const r of mine) {
        if (this.#conn.version !== 0x0304 || this.#appFrom !== undefined || r.index >= rec.index) break;
        if (!this.#results.has(r.index) && isEncrypted(r)) {
          const d = this.#one(r);
          this.#results.set(r.index, d);
          await d;
        }
      }
      return this.#one(rec);
    });
    this.#chain = p.catch(() => undefined);
    this.#results.set(rec.index, p);
    return p;
  }

  /** Indexes of this direction's encrypted records, in order (grows with the capture). */
  #enc: number[] = [];
  #scanned = 0;

  /** How many encrypted records of this direction come before index `i`. */
  #ordinal(i: number): number {
    const mine = this.#conn.records[this.#fromClient ? 0 : 1];
    for (; this.#scanned < mine.length; this.#scanned++) if (isEncrypted(mine[this.#scanned]!)) this.#enc.push(mine[this.#scanned]!.index);
    let lo = 0;
    let hi = this.#enc.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#enc[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The sequence number of record `r` under keys first used at record index `from`. */
  #seq(r: TlsRecord, from: number): number {
    return this.#ordinal(r.index) - this.#ordinal(from);
  }

  async #one(r: TlsRecord): Promise<Decrypted> {
    const c = this.#conn;
    if (c.cipherSuite === undefined || !c.clientRandom) return { ok: false, reason: "the hellos are not in the capture" };
    if (!SUITES[c.cipherSuite]) return { ok: false, reason: `suite 0x${c.cipherSuite.toString(16)} is not one this decoder knows (AEAD suites only)` };
    const header = r.bytes.subarray(0, 5);
    const fragment = r.bytes.subarray(5);
    if (c.version === 0x0304) {
      const tries: [string, number][] = this.#appFrom === undefined ? [["handshake", 0], ["application", r.index]] : [["application", this.#appFrom]];
      for (const [name, from] of tries) {
        const k = await this.#keysFor(name);
        if (!k) continue;
        const plain = await open(k, xorNonce(k.iv, this.#seq(r, from)), fragment, header);
        if (!plain) continue;
        if (name === "application" && this.#appFrom === undefined) this.#appFrom = from;
        let end = plain.length;
        while (end > 0 && plain[end - 1] === 0) end--;
        const type = plain[end - 1] ?? 0;
        const inner = plain.subarray(0, Math.max(0, end - 1));
        const out: Decrypted = { ok: true, type, plaintext: inner, keys: name };
        if (type === 22) {
          out.handshake = this.#handshake.push(inner);
          for (const m of out.handshake) {
            if (m.type === 11 && !this.#fromClient) c.plainCertificates = certificateList(m.body, true);
            // After this side's Finished, its next record uses the application keys.
            if (m.type === 20 && name === "handshake") this.#appFrom = r.index + 1;
          }
        }
        return out;
      }
      const label = this.#fromClient ? "CLIENT" : "SERVER";
      return { ok: false, reason: (await this.#keysFor("handshake")) || (await this.#keysFor("application")) ? "no key in the key log opens this record" : `the key log has no ${label}_*_TRAFFIC_SECRET for this connection` };
    }
    const k = await this.#keysFor("session");
    if (!k) return { ok: false, reason: "the key log has no CLIENT_RANDOM line for this connection" };
    const seq = this.#seq(r, 0);
    let nonce: Uint8Array;
    let sealed: Uint8Array;
    if (k.suite.cipher === "AES-GCM") {
      nonce = concat(k.iv, fragment.subarray(0, 8));
      sealed = fragment.subarray(8);
    } else {
      nonce = xorNonce(k.iv, seq);
      sealed = fragment;
    }
    const len = sealed.length - 16;
    const aad = concat(seqBytes(seq), new Uint8Array([r.type, header[1]!, header[2]!, len >> 8, len & 255]));
    const plain = await open(k, nonce, sealed, aad);
    if (!plain) return { ok: false, reason: "the key log's master secret does not open this record" };
    const out: Decrypted = { ok: true, type: r.type, plaintext: plain, keys: "session" };
    if (r.type === 22) out.handshake = this.#handshake.push(plain);
    return out;
  }
}

/** Decrypts any record of a capture, given the key log. */
export class TlsDecryptor {
  readonly secrets: KeyLogSecrets;
  #dirs = new Map<TlsConnection, [DirectionDecryptor, DirectionDecryptor]>();

  constructor(secrets: KeyLogSecrets) {
    this.secrets = secrets;
  }

  decrypt(rec: TlsRecord): Promise<Decrypted> {
    let d = this.#dirs.get(rec.conn);
    if (!d) {
      d = [new DirectionDecryptor(rec.conn, true, this.secrets), new DirectionDecryptor(rec.conn, false, this.secrets)];
      this.#dirs.set(rec.conn, d);
    }
    return d[rec.fromClient ? 0 : 1].decrypt(rec);
  }

  /** The server's certificates (DER, leaf first): from the plaintext Certificate of TLS
   *  1.2, or by decrypting the server's handshake records of TLS 1.3. Empty if neither. */
  async serverCertificates(conn: TlsConnection): Promise<Uint8Array[]> {
    if (conn.version === 0x0304 && !conn.plainCertificates) {
      for (const r of conn.records[1]) {
        if (r.type !== 23) continue;
        const d = await this.decrypt(r);
        if (conn.plainCertificates || !d.ok || d.keys !== "handshake") break;
      }
    }
    return conn.plainCertificates ?? [];
  }
}
