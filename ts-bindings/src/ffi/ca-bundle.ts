// The bundled root CAs (Node's tls.rootCertificates at build time, the same list in Node and
// in the browser) as concatenated DER certificates, in a file of their own beside the .wasm
// (ts-bindings/wasm/ca-bundle.der, written by scripts/generate.ts). Loaded on first use only:
// a user who passes their own `ca` downloads none of it. DER, not PEM text: 30% smaller
// gzipped, and Mbed TLS parses it without base64 (native/api: parse_crts).
import { isNode, nodeImport } from "./module.js";

let bundle: Promise<Uint8Array> | undefined;

async function loadNode(): Promise<Uint8Array> {
  const { readFile } = await nodeImport<typeof import("node:fs/promises")>("node:fs/promises");
  const { fileURLToPath } = await nodeImport<typeof import("node:url")>("node:url");
  return new Uint8Array(await readFile(fileURLToPath(new URL("../../wasm/ca-bundle.der", import.meta.url))));
}

async function loadBrowser(): Promise<Uint8Array> {
  // A static path, so bundlers (Vite) copy the file; fetched only when this runs.
  const url = new URL("../../wasm/ca-bundle.der", import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The bundled roots, concatenated DER. */
export function bundledCa(): Promise<Uint8Array> {
  bundle ??= isNode ? loadNode() : loadBrowser();
  bundle.catch(() => (bundle = undefined)); // a failed load is retried next time
  return bundle;
}

/** Splits concatenated DER certificates (each one SEQUENCE). */
export function splitDer(der: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0; p + 2 <= der.length; ) {
    let len = der[p + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p + 2 + i]!;
      hdr += n;
    }
    out.push(der.subarray(p, p + hdr + len));
    p += hdr + len;
  }
  return out;
}

/** The bundled roots as PEM text (the C client parses the Pico way: lwIP's own call). */
export async function bundledCaPem(): Promise<string> {
  const b64 = (b: Uint8Array) => {
    let s = "";
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
    return btoa(s);
  };
  return splitDer(await bundledCa())
    .map((c) => `-----BEGIN CERTIFICATE-----\n${b64(c).replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`)
    .join("");
}
