// Byte helpers shared by the library (browser-safe: Uint8Array only).

/** The parts one after another, in a new array (or the only non-empty part itself). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  let total = 0;
  for (const p of nonEmpty) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of nonEmpty) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Fills `buf` from the platform's CSPRNG (Web Crypto, in Node and browsers alike), in
 *  pieces of 65536 bytes: getRandomValues refuses more in one call. */
export function fillRandom(buf: Uint8Array): void {
  for (let off = 0; off < buf.length; off += 65536) {
    crypto.getRandomValues(buf.subarray(off, Math.min(buf.length, off + 65536)));
  }
}
