// A DNS message (RFC 1035) as the device's resolver and the router's fake-DNS responder
// exchange them: header, questions, and A / AAAA / CNAME answers.
import type { Field } from "./frame.js";
import { hex16, ipv4At, u16, u32 } from "./wire.js";

const TYPES: Record<number, string> = { 1: "A", 2: "NS", 5: "CNAME", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 65: "HTTPS" };
const RCODES: Record<number, string> = { 0: "no error", 1: "format error", 2: "server failure", 3: "no such name", 4: "not implemented", 5: "refused" };


/** Reads a (possibly compressed) name at `o`; returns it and the offset after it. */
function readName(m: Uint8Array, o: number): [string, number] | undefined {
  const labels: string[] = [];
  let end = -1;
  for (let jumps = 0; jumps < 32; ) {
    if (o >= m.length) return undefined;
    const len = m[o]!;
    if (len === 0) {
      if (end < 0) end = o + 1;
      return [labels.join(".") || ".", end];
    }
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= m.length) return undefined;
      if (end < 0) end = o + 2;
      o = ((len & 0x3f) << 8) | m[o + 1]!;
      jumps++;
      continue;
    }
    if (o + 1 + len > m.length) return undefined;
    labels.push(new TextDecoder().decode(m.subarray(o + 1, o + 1 + len)));
    o += 1 + len;
  }
  return undefined;
}

function rdata(m: Uint8Array, type: number, o: number, len: number): string {
  if (type === 1 && len === 4) return ipv4At(m, o);
  if (type === 28 && len === 16) {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(u16(m, o + i).toString(16));
    return parts.join(":");
  }
  if (type === 5 || type === 12 || type === 2) return readName(m, o)?.[0] ?? "?";
  return `${len} bytes`;
}

export interface DecodedDns {
  summary: string;
  fields: Field[];
}

/** Decodes a DNS message, or undefined when it is too short to be one. */
export function decodeDns(m: Uint8Array): DecodedDns | undefined {
  if (m.length < 12) return undefined;
  const id = u16(m, 0);
  const flags = u16(m, 2);
  const response = (flags & 0x8000) !== 0;
  const rcode = flags & 15;
  const qd = u16(m, 4);
  const an = u16(m, 6);
  const fields: Field[] = [
    ["Transaction ID", hex16(id)],
    ["Flags", `${hex16(flags)} (${response ? "response" : "query"}${flags & 0x0100 ? ", recursion desired" : ""}${response ? `, ${RCODES[rcode] ?? `rcode ${rcode}`}` : ""})`],
    ["Questions", String(qd)],
    ["Answers", String(an)],
  ];
  let o = 12;
  const questions: string[] = [];
  for (let i = 0; i < qd; i++) {
    const n = readName(m, o);
    if (!n || n[1] + 4 > m.length) break;
    const type = u16(m, n[1]);
    const q = `${TYPES[type] ?? `type ${type}`} ${n[0]}`;
    questions.push(q);
    fields.push(["Question", q]);
    o = n[1] + 4;
  }
  const answers: string[] = [];
  for (let i = 0; i < an; i++) {
    const n = readName(m, o);
    if (!n || n[1] + 10 > m.length) break;
    const type = u16(m, n[1]);
    const ttl = u32(m, n[1] + 4);
    const len = u16(m, n[1] + 8);
    const start = n[1] + 10;
    if (start + len > m.length) break;
    const value = rdata(m, type, start, len);
    answers.push(value);
    fields.push(["Answer", `${n[0]} ${TYPES[type] ?? `type ${type}`} ${value} (TTL ${ttl})`]);
    o = start + len;
  }
  const summary = response
    ? `response 0x${id.toString(16)} ${questions.join(", ")}${rcode ? ` ${RCODES[rcode] ?? `rcode ${rcode}`}` : ""}${answers.length ? ` → ${answers.join(", ")}` : ""}`
    : `query 0x${id.toString(16)} ${questions.join(", ")}`;
  return { summary, fields };
}
