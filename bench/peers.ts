// The two peer clients the bench compares against, made to run in Node through our shim.
// Neither is built for Node, and neither takes a custom CA; what each needs lives here, in
// the bench, never in the library:
//   - libcurl.js 0.7.4 (libcurl + Mbed TLS in WASM, its own Wisp client): it refuses Node
//     (`process` present means "node", which its build left out), so its module text is
//     evaluated with `process` hidden and a `window` present, which selects its web code
//     path. Its CA bundle is a C string in its memory (get_cacert()); we overwrite it with
//     our test CA, padded with newlines to the same length.
//   - epoxy-tls 1.5.0 (Rust: rustls + webpki-roots in WASM): its trust anchors are compiled
//     into the module's data. We pick one whose subject and key have the lengths our bench
//     CA can match, make the CA with exactly those lengths, and swap the bytes in the
//     module before instantiating it. Its fetch calls `new Request("/")`, which Node's
//     Request rejects (no base URL): Request is wrapped to resolve against a dummy base.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";

const require = createRequire(import.meta.url);

// ---- libcurl.js ------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Libcurl = any;

export async function loadLibcurl(wispUrl: string, caPem: string): Promise<Libcurl> {
  const dir = dirname(require.resolve("libcurl.js/libcurl.wasm"));
  const source = readFileSync(join(dir, "libcurl.mjs"), "utf8").replace(/^export const libcurl\s*=/m, "const libcurl =");
  const wasmBinary = readFileSync(join(dir, "libcurl.wasm"));
  const fakeWindow = { addEventListener() {}, removeEventListener() {} };
  const fakeDocument = { currentScript: null, dispatchEvent() {}, title: "" };
  const fakeNavigator = { userAgent: "bench", languages: ["en"] };
  const fakeLocation = { href: "http://localhost/", pathname: "/" };
  // Its loader fetches "libcurl.wasm": answer from the package's file, and keep the instance
  // (its memory and exports), which the module does not expose.
  let instance: WebAssembly.Instance | undefined;
  const fakeFetch = async () => new Response(wasmBinary, { headers: { "content-type": "application/wasm" } });
  const fakeWebAssembly = Object.assign(Object.create(WebAssembly), {
    async instantiateStreaming(response: Response, imports: WebAssembly.Imports) {
      const r = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
      instance = r.instance;
      return r;
    },
  });
  // The module's own text, with the browser globals it reads given as parameters.
  const factory = new Function(
    "process", "window", "document", "navigator", "location", "WebSocket", "fetch", "WebAssembly", "require", "importScripts",
    `${source}\nreturn libcurl;`,
  );
  const libcurl = factory(undefined, fakeWindow, fakeDocument, fakeNavigator, fakeLocation, WebSocket, fakeFetch, fakeWebAssembly, undefined, undefined);
  await libcurl.load_wasm("libcurl.wasm");
  if (!instance) throw new Error("libcurl.js: no instance");
  // Swap the CA bundle: a NUL-terminated PEM string in the module's memory.
  const exports = instance.exports as { memory: WebAssembly.Memory; get_cacert: () => number };
  const ptr = exports.get_cacert();
  const heap = new Uint8Array(exports.memory.buffer);
  let end = ptr;
  while (heap[end] !== 0) end++;
  const ours = new TextEncoder().encode(caPem);
  if (ours.length > end - ptr) throw new Error("bench CA PEM longer than libcurl.js's CA bundle");
  heap.fill(0x0a, ptr, end);
  heap.set(ours, ptr);
  if (libcurl.get_cacert().trim() !== caPem.trim()) throw new Error("libcurl.js CA bundle swap failed");
  libcurl.set_websocket(wispUrl);
  return libcurl;
}

// ---- epoxy-tls -------------------------------------------------------------------------

interface Anchor {
  subject: Uint8Array;
  spki: Uint8Array;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Epoxy = any;

function epoxyPaths(): { js: string; wasm: string } {
  const pkg = dirname(require.resolve("@mercuryworkshop/epoxy-tls/package.json"));
  return { js: join(pkg, "pkg/epoxy-module-bundled.js"), wasm: join(pkg, "pkg/epoxy.wasm") };
}

/** A compiled-in anchor with a P-256 key whose subject is one short CN can match:
 *  a Name of one CN of n bytes is 11 + n bytes of content; openssl allows n <= 64. */
export async function pickEpoxyAnchor(): Promise<{ subjectLength: number; cnLength: number }> {
  const epoxy = await importEpoxy();
  epoxy.initSync(readFileSync(epoxyPaths().wasm));
  const anchors = (epoxy.certs() as { subject: Uint8Array; subject_public_key_info: Uint8Array }[]);
  const fit = anchors.find((a) => a.subject_public_key_info.length === 89 && a.subject.length - 11 >= 8 && a.subject.length - 11 <= 64);
  if (!fit) throw new Error("no epoxy trust anchor of a matching shape");
  return { subjectLength: fit.subject.length, cnLength: fit.subject.length - 11 };
}

async function importEpoxy(): Promise<Epoxy> {
  return (await import(pathToFileURL(epoxyPaths().js).href)).default;
}

/** The contents (no outer SEQUENCE header) of the subject Name and SubjectPublicKeyInfo. */
function anchorOf(certPem: string): Anchor {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  let p = 0;
  const header = (): { start: number; len: number } => {
    p++; // tag
    let len = der[p++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | der[p++]!;
    }
    return { start: p, len };
  };
  const skip = () => {
    const h = header();
    p = h.start + h.len;
  };
  header(); // Certificate
  header(); // TBSCertificate
  if (der[p] === 0xa0) skip(); // version
  skip(); // serial
  skip(); // signature algorithm
  skip(); // issuer
  skip(); // validity
  const subj = header();
  const subject = der.subarray(subj.start, subj.start + subj.len);
  p = subj.start + subj.len;
  const spkiH = header();
  const spki = der.subarray(spkiH.start, spkiH.start + spkiH.len);
  return { subject, spki };
}

function replaceOnce(hay: Uint8Array, needle: Uint8Array, by: Uint8Array): void {
  const at = Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(Buffer.from(needle));
  if (at < 0) throw new Error("epoxy trust anchor not found in its module");
  hay.set(by, at);
}

export async function loadEpoxy(wispUrl: string, caPem: string): Promise<Epoxy> {
  const epoxy = await importEpoxy();
  const wasm = new Uint8Array(readFileSync(epoxyPaths().wasm));
  // The anchor to replace: read from a throwaway instance, which the patched one replaces.
  const probe = await importFresh();
  probe.initSync(wasm.slice());
  const ours = anchorOf(caPem);
  const anchors = probe.certs() as { subject: Uint8Array; subject_public_key_info: Uint8Array }[];
  const target = anchors.find((a) => a.subject.length === ours.subject.length && a.subject_public_key_info.length === ours.spki.length);
  if (!target) throw new Error("no epoxy trust anchor of our CA's shape");
  replaceOnce(wasm, target.subject, ours.subject);
  replaceOnce(wasm, target.subject_public_key_info, ours.spki);
  epoxy.initSync(wasm);
  const NodeRequest = globalThis.Request;
  globalThis.Request = class extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === "string" && input.startsWith("/") ? new URL(input, "http://localhost") : input, init);
    }
  } as typeof Request;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (globalThis as any).WebSocket ??= WebSocket;
  return new epoxy.EpoxyClient(wispUrl, "bench", 10);
}

/** A second copy of the epoxy glue (its module state holds one instance). */
async function importFresh(): Promise<Epoxy> {
  return (await import(`${pathToFileURL(epoxyPaths().js).href}?probe=${Date.now()}`)).default;
}
