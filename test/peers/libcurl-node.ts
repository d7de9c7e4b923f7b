// libcurl.js 0.7.4 in Node, for the shim's interop tests. The library refuses Node (its
// emscripten glue asserts when it sees `process`), so it runs in a vm context that looks
// like a page: no `process`, a `window`, a `document` that only dispatches events, the
// `ws` WebSocket, and a `fetch` that serves only libcurl.wasm from disk. Nothing in the
// library is changed.
//
// It has no option for a custom CA: its bundle is one C string in its WASM memory, which
// get_cacert() reads. WebAssembly.instantiate is wrapped to keep the instance, so the test
// CA can be written over that string (the bundle is far larger than one certificate).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import vm from "node:vm";
import { WebSocket } from "ws";

export interface LibcurlResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}
export interface HttpSession {
  fetch(url: string, init?: Record<string, unknown>): Promise<LibcurlResponse>;
  set_connections(total: number, cache: number, perHost: number): void;
  close(): void;
}
export interface Libcurl {
  set_websocket(url: string): void;
  load_wasm(url: string): Promise<void>;
  get_cacert(): string;
  get_error_string(code: number): string;
  fetch(url: string, init?: Record<string, unknown>): Promise<LibcurlResponse>;
  HTTPSession: new (options?: Record<string, unknown>) => HttpSession;
  version: Record<string, string>;
  logger: (type: string, text: string) => void;
  stderr: (text: string) => void;
  stdout: (text: string) => void;
}

/** Node 20 has no CloseEvent; libcurl.js's Wisp client makes one per closed stream. */
class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? "";
    this.wasClean = init.wasClean ?? false;
  }
}

const require = createRequire(import.meta.url);
// The package exports only its modules; the classic script sits beside them.
const LIB_WASM = require.resolve("libcurl.js/libcurl.wasm");
const LIB_JS = join(dirname(LIB_WASM), "libcurl.js");
const WASM_URL = "https://libcurl.invalid/libcurl.wasm";

/** A fresh libcurl.js instance (its own WASM memory) trusting only `caPem`. */
export async function loadLibcurl(options: { caPem: string; wispUrl: string }): Promise<Libcurl> {
  let memory: WebAssembly.Memory | undefined;
  let getCacert: (() => number) | undefined;
  const keep = (result: WebAssembly.WebAssemblyInstantiatedSource) => {
    const exports = result.instance.exports as Record<string, unknown>;
    memory = Object.values(exports).find((e): e is WebAssembly.Memory => Object.prototype.toString.call(e) === "[object WebAssembly.Memory]");
    getCacert = exports.get_cacert as () => number;
    return result;
  };
  const events = new EventTarget();
  const sandbox: Record<string, unknown> = {
    console, setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, performance, crypto,
    TextEncoder, TextDecoder, URL, URLSearchParams, Blob, Headers, Request, Response, ReadableStream, WritableStream,
    TransformStream, AbortController, AbortSignal, EventTarget, Event, CustomEvent, MessageEvent, CloseEvent, DOMException, FormData,
    atob, btoa, structuredClone,
    WebSocket,
    document: { dispatchEvent: (e: Event) => events.dispatchEvent(e), addEventListener: () => {}, currentScript: null },
    location: new URL("https://libcurl.invalid/"),
    navigator: { userAgent: "libcurl.js in a Node vm context (lwip-mbedtls-wasm tests)" },
    fetch: async (url: string) => {
      if (String(url) !== WASM_URL) throw new TypeError(`the libcurl.js sandbox fetches only its wasm, not ${String(url)}`);
      return new Response(readFileSync(LIB_WASM), { headers: { "content-type": "application/wasm" } });
    },
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  sandbox.globalThis = sandbox;
  const context = vm.createContext(sandbox);
  // The context's own WebAssembly (its errors must be the context's TypeErrors, which the
  // glue tests with instanceof), with instantiate wrapped to keep the instance.
  const inner = vm.runInContext("WebAssembly", context) as typeof WebAssembly;
  sandbox.WebAssembly = Object.assign(Object.create(inner) as object, {
    instantiate: (bytes: BufferSource, imports: WebAssembly.Imports) => inner.instantiate(bytes, imports).then(keep),
    instantiateStreaming: undefined,
  });
  vm.runInContext(`${readFileSync(LIB_JS, "utf8")}\n;globalThis.libcurl = libcurl;`, context, { filename: LIB_JS });
  const libcurl = sandbox.libcurl as Libcurl;
  libcurl.logger = () => {};
  libcurl.stderr = () => {};
  await libcurl.load_wasm(WASM_URL);
  // Replace the bundled roots with the test CA, in place.
  const bundle = libcurl.get_cacert();
  const pem = new TextEncoder().encode(`${options.caPem.trim()}\n`);
  if (!memory || !getCacert || pem.length + 1 > bundle.length) throw new Error("cannot replace libcurl.js's CA bundle");
  const heap = new Uint8Array(memory.buffer);
  const at = getCacert();
  heap.set(pem, at);
  heap[at + pem.length] = 0;
  if (libcurl.get_cacert() !== new TextDecoder().decode(pem)) throw new Error("libcurl.js's CA bundle was not replaced");
  libcurl.set_websocket(options.wispUrl);
  return libcurl;
}
