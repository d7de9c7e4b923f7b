// Big-endian readers and hex for the decoders (network byte order throughout).
export const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const u24 = (b: Uint8Array, o: number): number => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
export const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
export const hex = (b: Uint8Array, sep = ""): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join(sep);
/** Dotted IPv4 text of the 4 bytes at `o`. */
export const ipv4At = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
export const hex16 = (n: number): string => `0x${n.toString(16).padStart(4, "0")}`;

export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
