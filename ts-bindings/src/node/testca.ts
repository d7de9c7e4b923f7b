// A throwaway certificate authority made in process with node:crypto, for the embedded
// demo origin of `npm start` (examples/main.ts). Node 20 can make keys and signatures but
// not X.509 certificates, so this file DER-encodes the few structures RFC 5280 needs:
// ECDSA P-256 keys, ecdsa-with-SHA256 signatures, v3 extensions (basicConstraints,
// keyUsage, extKeyUsage, subjectAltName, key identifiers). No openssl needed.
//
// For demos and tests only: the CA key lives in memory and the certificates last a day.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// --- DER -----------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
/** BIT STRING with `unused` padding bits in the last byte. */
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
/** [n] EXPLICIT (constructed, context-specific). */
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-07-01T12:34:56.789Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, "") + "Z";
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits));
}

// --- X.509 ---------------------------------------------------------------------------

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
};

function name(cn: string, org: string): Buffer {
  return seq(set(seq(oid(OID.organization), utf8(org))), set(seq(oid(OID.commonName), utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): Buffer {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new TypeError(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts);
}

/** The SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
function keyId(spki: Buffer): Buffer {
  // The uncompressed P-256 point is the last 65 bytes of its SPKI.
  return createHash("sha1").update(spki.subarray(spki.length - 65)).digest();
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  der: Buffer;
  privateKey: KeyObject;
}

interface CertSpec {
  subject: string;
  issuer: { cn: string; key: KeyObject; keyId: Buffer };
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  dnsNames?: string[];
  ips?: string[];
}

const ORG = "lwip-mbedtls-wasm demo";

function certificate(spec: CertSpec): Buffer {
  const spki = spec.publicKey.export({ type: "spki", format: "der" });
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, non-zero, 16 bytes
  const exts: Buffer[] = [
    extension(OID.basicConstraints, true, spec.ca ? seq(bool(true), integer(Buffer.from([0]))) : seq()),
    // keyCertSign + cRLSign (bits 5, 6) for the CA; digitalSignature (bit 0) for the leaf.
    extension(OID.keyUsage, true, spec.ca ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyId, false, octets(keyId(spki))),
    extension(OID.authorityKeyId, false, seq(tlv(0x80, spec.issuer.keyId))),
  ];
  if (!spec.ca) {
    exts.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    const alt = [
      ...(spec.dnsNames ?? []).map((n) => tlv(0x82, Buffer.from(n, "ascii"))),
      ...(spec.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
    ];
    if (alt.length > 0) exts.push(extension(OID.subjectAltName, false, seq(...alt)));
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sigAlg,
    name(spec.issuer.cn, ORG),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject, ORG),
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign("sha256", tbs, spec.issuer.key); // DER ECDSA-Sig-Value
  return seq(tbs, sigAlg, bits(signature));
}

export interface TestCa {
  ca: TestCertificate;
  leaf: TestCertificate;
}

export interface TestCaOptions {
  /** The leaf's DNS names; default ["localhost"]. The first is also its CN. */
  dnsNames?: string[];
  /** The leaf's IPv4 addresses; default ["127.0.0.1"]. */
  ips?: string[];
  /** Validity is now - 1 h .. now + 1 day. */
  now?: Date;
  caName?: string;
}

/** A root CA and one server certificate it signed (both ECDSA P-256). */
export function createTestCa(options: TestCaOptions = {}): TestCa {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 3600e3);
  const notAfter = new Date(now.getTime() + 24 * 3600e3);
  const dnsNames = options.dnsNames ?? ["localhost"];
  const caName = options.caName ?? "lwip-mbedtls-wasm demo root CA";

  const caKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caKeyId = keyId(caKeys.publicKey.export({ type: "spki", format: "der" }));
  const issuer = { cn: caName, key: caKeys.privateKey, keyId: caKeyId };
  const caDer = certificate({ subject: caName, issuer, publicKey: caKeys.publicKey, notBefore, notAfter, ca: true });

  const leafKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const leafDer = certificate({
    subject: dnsNames[0] ?? "localhost",
    issuer,
    publicKey: leafKeys.publicKey,
    notBefore,
    notAfter,
    ca: false,
    dnsNames,
    ips: options.ips ?? ["127.0.0.1"],
  });

  const out = (der: Buffer, key: KeyObject): TestCertificate => ({
    certPem: pem("CERTIFICATE", der),
    keyPem: key.export({ type: "pkcs8", format: "pem" }) as string,
    der,
    privateKey: key,
  });
  return { ca: out(caDer, caKeys.privateKey), leaf: out(leafDer, leafKeys.privateKey) };
}

/** The PEM files of a test CA kept in `dir`: ca.pem, cert.pem (the leaf) and key.pem. */
export interface TestCaFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** A test CA kept in `dir` (for programs that compile the certificate in, so a new CA per
 *  run would rebuild them): made when missing, made again when its leaf expires within an
 *  hour (the certificates last a day). Processes that race here all end up with one whole
 *  set: each writes its own beside `dir` and renames it into place, and the first wins. */
export function testCaFiles(dir: string, options: TestCaOptions = {}): TestCaFiles {
  const files = { dir, ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  const fresh = () => {
    try {
      return new Date(new X509Certificate(readFileSync(files.cert)).validTo).getTime() > Date.now() + 3600e3 && existsSync(files.key);
    } catch {
      return false;
    }
  };
  if (fresh()) return files;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { ca, leaf } = createTestCa(options);
  writeFileSync(join(tmp, "ca.pem"), ca.certPem);
  writeFileSync(join(tmp, "cert.pem"), leaf.certPem);
  writeFileSync(join(tmp, "key.pem"), leaf.keyPem);
  if (!fresh()) rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process put its set in place first
  }
  return files;
}
