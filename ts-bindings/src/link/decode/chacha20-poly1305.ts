// ChaCha20-Poly1305 (RFC 8439) decryption, for TLS records: WebCrypto has AES-GCM but no
// ChaCha20, and our client offers ChaCha20-Poly1305 first (it is the fastest suite in
// WASM). Our own small implementation; it only decrypts captures, never protects data.

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function quarter(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  s[a] = (s[a]! + s[b]!) | 0; s[d] = rotl(s[d]! ^ s[a]!, 16);
  s[c] = (s[c]! + s[d]!) | 0; s[b] = rotl(s[b]! ^ s[c]!, 12);
  s[a] = (s[a]! + s[b]!) | 0; s[d] = rotl(s[d]! ^ s[a]!, 8);
  s[c] = (s[c]! + s[d]!) | 0; s[b] = rotl(s[b]! ^ s[c]!, 7);
}

/** One 64-byte ChaCha20 block (RFC 8439 2.3). */
function block(key: Uint8Array, counter: number, nonce: Uint8Array, out: Uint8Array): void {
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
  const init = new Uint32Array(16);
  init.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) init[4 + i] = kv.getUint32(4 * i, true);
  init[12] = counter;
  for (let i = 0; i < 3; i++) init[13 + i] = nv.getUint32(4 * i, true);
  const s = init.slice();
  for (let i = 0; i < 10; i++) {
    quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15);
    quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14);
  }
  const ov = new DataView(out.buffer, out.byteOffset, 64);
  for (let i = 0; i < 16; i++) ov.setUint32(4 * i, (s[i]! + init[i]!) | 0, true);
}

/** XORs `data` with the ChaCha20 key stream starting at block `counter`. */
export function chacha20(key: Uint8Array, counter: number, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const ks = new Uint8Array(64);
  for (let off = 0; off < data.length; off += 64, counter++) {
    block(key, counter, nonce, ks);
    const n = Math.min(64, data.length - off);
    for (let i = 0; i < n; i++) out[off + i] = data[off + i]! ^ ks[i]!;
  }
  return out;
}

function leBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

const P1305 = (1n << 130n) - 5n;

/** Poly1305 (RFC 8439 2.5) of `msg` under a one-time 32-byte key. */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    acc = ((acc + leBigInt(chunk) + (1n << BigInt(8 * chunk.length))) * r) % P1305;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const tag = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    tag[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
  return tag;
}

/** Opens ChaCha20-Poly1305 `sealed` (ciphertext then 16-byte tag); undefined when the tag
 *  does not match (wrong key, nonce or data). */
export function chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < 16) return undefined;
  const ct = sealed.subarray(0, sealed.length - 16);
  const polyKey = chacha20(key, 0, nonce, new Uint8Array(32));
  const pad = (n: number) => (16 - (n % 16)) % 16;
  const mac = new Uint8Array(aad.length + pad(aad.length) + ct.length + pad(ct.length) + 16);
  mac.set(aad, 0);
  mac.set(ct, aad.length + pad(aad.length));
  const lens = new DataView(mac.buffer, mac.length - 16);
  lens.setBigUint64(0, BigInt(aad.length), true);
  lens.setBigUint64(8, BigInt(ct.length), true);
  const tag = poly1305(polyKey, mac);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= tag[i]! ^ sealed[ct.length + i]!;
  return diff === 0 ? chacha20(key, 1, nonce, ct) : undefined;
}
