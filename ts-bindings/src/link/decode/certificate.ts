// Just enough X.509 (DER) to show a certificate seen in a capture: subject, issuer,
// validity, names, and its PEM form. Not a validator: Mbed TLS does the verifying.
import { u16 } from "./wire.js";

export interface CertificateSummary {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** subjectAltName DNS names and IP addresses. */
  altNames: string[];
  selfSigned: boolean;
  der: Uint8Array;
}

interface Tlv {
  tag: number;
  start: number;
  /** Value range. */
  vs: number;
  ve: number;
}

function tlv(b: Uint8Array, o: number): Tlv {
  const tag = b[o]!;
  let len = b[o + 1]!;
  let vs = o + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 3) throw new Error("DER length too long");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[vs + i]!;
    vs += n;
  }
  if (vs + len > b.length) throw new Error("DER value past the end");
  return { tag, start: o, vs, ve: vs + len };
}

function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let o = t.vs; o < t.ve; ) {
    const c = tlv(b, o);
    out.push(c);
    o = c.ve;
  }
  return out;
}

function oid(b: Uint8Array, t: Tlv): string {
  const parts = [Math.floor(b[t.vs]! / 40), b[t.vs]! % 40];
  let v = 0;
  for (let o = t.vs + 1; o < t.ve; o++) {
    v = v * 128 + (b[o]! & 0x7f);
    if (!(b[o]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

const NAME_ATTRS: Record<string, string> = {
  "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "1.2.840.113549.1.9.1": "emailAddress",
};

function str(b: Uint8Array, t: Tlv): string {
  const v = b.subarray(t.vs, t.ve);
  if (t.tag === 0x1e) {
    let s = "";
    for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode(u16(v, i));
    return s;
  }
  return new TextDecoder().decode(v);
}

/** "CN=localhost, O=Example" (Mbed TLS's order: as in the certificate). */
function name(b: Uint8Array, t: Tlv): string {
  const parts: string[] = [];
  for (const set of children(b, t)) {
    for (const atv of children(b, set)) {
      const [type, value] = children(b, atv);
      if (!type || !value) continue;
      const id = oid(b, type);
      parts.push(`${NAME_ATTRS[id] ?? id}=${str(b, value)}`);
    }
  }
  return parts.join(", ");
}

function time(b: Uint8Array, t: Tlv): string {
  const s = str(b, t);
  // UTCTime YYMMDDHHMMSSZ (years 1950-2049) or GeneralizedTime YYYYMMDDHHMMSSZ.
  const full = t.tag === 0x17 ? `${Number(s.slice(0, 2)) >= 50 ? "19" : "20"}${s}` : s;
  return `${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)} ${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)} UTC`;
}

/** Summarises a DER certificate; throws on bytes that are not one. */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  const cert = tlv(der, 0);
  const tbs = children(der, cert)[0]!;
  let f = children(der, tbs);
  if (f[0]?.tag === 0xa0) f = f.slice(1); // explicit version
  const [, , issuer, validity, subject] = f;
  if (!issuer || !validity || !subject) throw new Error("not an X.509 certificate");
  const [nb, na] = children(der, validity);
  const altNames: string[] = [];
  const ext = f.find((x) => x.tag === 0xa3);
  if (ext) {
    for (const e of children(der, children(der, ext)[0]!)) {
      const parts = children(der, e);
      if (oid(der, parts[0]!) !== "2.5.29.17") continue;
      const octets = parts[parts.length - 1]!;
      for (const gn of children(der, tlv(der, octets.vs))) {
        if (gn.tag === 0x82) altNames.push(str(der, gn));
        else if (gn.tag === 0x87 && gn.ve - gn.vs === 4) altNames.push([...der.subarray(gn.vs, gn.ve)].join("."));
      }
    }
  }
  const subj = name(der, subject);
  const iss = name(der, issuer);
  return {
    subject: subj,
    issuer: iss,
    validFrom: nb ? time(der, nb) : "?",
    validTo: na ? time(der, na) : "?",
    altNames,
    selfSigned: subj === iss,
    der: der.subarray(cert.start, cert.ve),
  };
}

/** The certificate in PEM form (what the playground's CA field takes). */
export function toPem(der: Uint8Array): string {
  let bin = "";
  for (const x of der) bin += String.fromCharCode(x);
  const b64 = btoa(bin);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}
