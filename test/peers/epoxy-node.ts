// epoxy-tls 1.5.0 in Node, for the shim's interop tests. Its wasm-bindgen glue runs with
// the `ws` WebSocket and a Request that accepts the relative URL its fetch builds
// (`new Request("/")`; a page would resolve it against its location).
// Nothing in the library is changed on disk.
//
// It has no custom-CA option and no insecure mode: its trust anchors (webpki roots) are
// compiled into the WASM as DER byte strings. A test CA is made whose subject and public
// key have exactly the byte lengths of one compiled-in anchor, and the bytes of that
// anchor are replaced by the test CA's in an in-memory copy of the module. Verification
// stays on: the test CA is then the only anchor a test server's chain can reach.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { WebSocket } from "ws";
import type { Cert, Pki } from "../helpers/pki.js";

interface Anchor {
  subject: Uint8Array;
  subject_public_key_info: Uint8Array;
}
export interface EpoxyClient {
  fetch(url: string, options: Record<string, unknown>): Promise<Response>;
  free(): void;
}
interface EpoxyModule {
  (wasm: Uint8Array): Promise<unknown>;
  certs(): Anchor[];
  /** The constructor returns a promise of the client (it opens the WebSocket first). */
  EpoxyClient: new (wsUrl: string, userAgent: string, redirectLimit: number) => Promise<EpoxyClient>;
}

const require = createRequire(import.meta.url);
const PKG = dirname(require.resolve("@mercuryworkshop/epoxy-tls"));
const GLUE = readFileSync(join(PKG, "epoxy.js"), "utf8");
const WASM = readFileSync(join(PKG, "epoxy.wasm"));

/** The glue's Request resolves relative URLs against a base, as a page would. */
class PageRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, "http://epoxy.invalid/") : input, init);
  }
}

async function instantiate(wasm: Uint8Array): Promise<EpoxyModule> {
  // The glue is a classic script declaring `epoxy`. Run as a function body whose
  // parameters supply what Node lacks or does differently, so everything else is this
  // realm's own (a vm context would make ws's ArrayBuffers fail the glue's instanceof).
  const glue = new Function("WebSocket", "Request", `${GLUE}\n;return epoxy;`) as (ws: unknown, req: unknown) => EpoxyModule;
  const epoxy = glue(WebSocket, PageRequest);
  await epoxy(wasm);
  return epoxy;
}

/** Minimal DER walk: the subject Name and SPKI of a certificate, each without its outer
 *  SEQUENCE header (the form webpki keeps a trust anchor in). */
function anchorOf(certPem: string): Anchor {
  const der = new Uint8Array(new X509Certificate(certPem).raw);
  const read = (at: number) => {
    let len = der[at + 1]!;
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | der[at + 2 + i]!;
      head += n;
    }
    return { tag: der[at]!, start: at + head, end: at + head + len };
  };
  const tbs = read(read(0).start);
  let at = tbs.start;
  const fields: Array<ReturnType<typeof read>> = [];
  while (at < tbs.end) {
    const f = read(at);
    fields.push(f);
    at = f.end;
  }
  const [, , , , , subject, spki] = fields[0]!.tag === 0xa0 ? fields : [undefined, ...fields];
  return { subject: der.slice(subject!.start, subject!.end), subject_public_key_info: der.slice(spki!.start, spki!.end) };
}

function replaceOnce(haystack: Uint8Array, needle: Uint8Array, replacement: Uint8Array): void {
  const text = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  const first = text.indexOf(needle);
  if (first < 0 || text.indexOf(needle, first + 1) >= 0) throw new Error("a trust anchor's bytes are not unique in epoxy.wasm");
  haystack.set(replacement, first);
}

/** Makes a root CA shaped like one of epoxy's compiled-in anchors, and an epoxy module
 *  that trusts it in that anchor's place. */
export async function loadEpoxyTrusting(pki: Pki): Promise<{ epoxy: EpoxyModule; root: Cert }> {
  const stock = await instantiate(WASM);
  // A P-256 anchor (SPKI value 89 bytes) whose subject a "/CN=..." name can match in
  // length: that Name's value is 11 bytes plus the CN (UTF8String, under 64 characters).
  const target = stock.certs().find((a) => a.subject_public_key_info.length === 89 && a.subject.length >= 24 && a.subject.length - 11 <= 64);
  if (!target) throw new Error("epoxy.wasm has no P-256 anchor to stand in for");
  const cn = "lwip-mbedtls-wasm test root ".padEnd(target.subject.length - 11, "x");
  const root = pki.issue({ cn, ca: true, keyType: "p256" });
  const ours = anchorOf(root.certPem);
  if (ours.subject.length !== target.subject.length || ours.subject_public_key_info.length !== 89) {
    throw new Error("the test root does not have the anchor's shape");
  }
  const patched = new Uint8Array(WASM);
  replaceOnce(patched, target.subject, ours.subject);
  replaceOnce(patched, target.subject_public_key_info, ours.subject_public_key_info);
  const epoxy = await instantiate(patched);
  const installed = epoxy.certs().some((a) => Buffer.from(a.subject).equals(Buffer.from(ours.subject)) &&
    Buffer.from(a.subject_public_key_info).equals(Buffer.from(ours.subject_public_key_info)));
  if (!installed) throw new Error("the test root did not replace the anchor");
  return { epoxy, root };
}
