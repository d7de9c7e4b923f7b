// Certificates generated at test time with the openssl command line: a root CA,
// intermediates and leaves with the properties the tests need (key types, signature
// hashes, validity windows, names, CA or not).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type KeyType = "rsa2048" | "rsa1024" | "p256" | "p384";

export interface Cert {
  name: string;
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
  /** This certificate followed by its issuers up to (not including) the root. */
  chainPem: string;
}

export interface IssueOptions {
  cn: string;
  /** DNS names and IPs for subjectAltName (leaves). */
  san?: string[];
  keyType?: KeyType;
  issuer?: Cert;
  /** Marks it a CA (basicConstraints CA:TRUE). */
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  md?: "sha256" | "sha384" | "sha1";
}

function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
}

export class Pki {
  readonly dir: string;
  #n = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "lmw-pki-"));
    mkdirSync(join(this.dir, "newcerts"));
    writeFileSync(join(this.dir, "index.txt"), "");
    writeFileSync(join(this.dir, "serial"), "1000\n");
    writeFileSync(
      join(this.dir, "ca.cnf"),
      [
        "[ ca ]",
        "default_ca = CA_default",
        "[ CA_default ]",
        `dir = ${this.dir}`,
        `database = ${this.dir}/index.txt`,
        `new_certs_dir = ${this.dir}/newcerts`,
        `serial = ${this.dir}/serial`,
        "policy = policy_any",
        "unique_subject = no",
        "copy_extensions = none",
        "[ policy_any ]",
        "commonName = supplied",
        "[ req ]",
        "distinguished_name = dn",
        "prompt = no",
        "[ dn ]",
        "CN = placeholder",
        "",
      ].join("\n"),
    );
  }

  #key(file: string, type: KeyType): void {
    const args =
      type === "p256" ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
      : type === "p384" ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
      : ["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${type === "rsa1024" ? 1024 : 2048}`];
    execFileSync("openssl", [...args, "-out", file], { stdio: "pipe" });
  }

  issue(options: IssueOptions): Cert {
    const name = `c${++this.#n}`;
    const keyFile = join(this.dir, `${name}.key`);
    const csrFile = join(this.dir, `${name}.csr`);
    const certFile = join(this.dir, `${name}.pem`);
    const extFile = join(this.dir, `${name}.ext`);
    this.#key(keyFile, options.keyType ?? "p256");
    execFileSync("openssl", ["req", "-new", "-key", keyFile, "-subj", `/CN=${options.cn}`, "-out", csrFile,
      "-config", join(this.dir, "ca.cnf")], { stdio: "pipe" });
    const ext = options.ca
      ? ["basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign", "subjectKeyIdentifier = hash"]
      : [
          "basicConstraints = critical, CA:FALSE",
          "keyUsage = critical, digitalSignature, keyEncipherment",
          "extendedKeyUsage = serverAuth, clientAuth",
          "subjectKeyIdentifier = hash",
        ];
    if (options.san?.length) {
      ext.push(`subjectAltName = ${options.san.map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(", ")}`);
    }
    if (options.issuer) ext.push("authorityKeyIdentifier = keyid");
    writeFileSync(extFile, `[ ext ]\n${ext.join("\n")}\n`);
    const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600e3);
    const notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600e3);
    const signer = options.issuer
      ? ["-cert", options.issuer.certFile, "-keyfile", options.issuer.keyFile]
      : ["-selfsign", "-keyfile", keyFile];
    execFileSync("openssl", ["ca", "-batch", "-config", join(this.dir, "ca.cnf"), "-in", csrFile, "-out", certFile,
      ...signer, "-startdate", opensslDate(notBefore), "-enddate", opensslDate(notAfter),
      "-md", options.md ?? "sha256", "-extfile", extFile, "-extensions", "ext", "-notext"], { stdio: "pipe" });
    const certPem = readFileSync(certFile, "utf8");
    const keyPem = readFileSync(keyFile, "utf8");
    const chainPem = certPem + (options.issuer && !isRoot(options.issuer) ? options.issuer.chainPem : "");
    const cert: Cert = { name, certPem, keyPem, certFile, keyFile, chainPem };
    roots.set(cert, !options.issuer);
    return cert;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const roots = new WeakMap<Cert, boolean>();
function isRoot(c: Cert): boolean {
  return roots.get(c) === true;
}
