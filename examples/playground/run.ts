// One run: a fresh network (two stack instances and one WebSocket), so the capture, the
// key log and the debug setting belong to that run alone; it is closed when the run ends,
// and what it recorded stays downloadable. Stop aborts it through the AbortSignal that
// net.fetch and the C client both take.
//
// Redirects are followed here, hop by hop (redirect: "manual"), so that every hop is
// shown with its own timeline.
import {
  WispDialer,
  concatBytes,
  createNetwork,
  runCClient,
  socketInfoOf,
  type FetchTiming,
  type Network,
} from "../../ts-bindings/src/index.browser.js";
import { selectTab, setStatus, shimUrl, ui } from "./dom.js";
import { readForm, saveToLocation, type RequestState } from "./state.js";
import { showBodyResult } from "./views/body.js";
import { showError } from "./views/error.js";
import { addHop } from "./views/hops.js";
import { startRecording } from "./recording.js";
import { formatBytes } from "../../ts-bindings/src/cli/progress.js";
import { resetResults, showHeaders, showProgress } from "./views/response.js";
import { phasesOf } from "./views/timeline.js";
import { showTls } from "./views/tls.js";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 20;
const PAINT_MS = 100;
const LARGE_BODY = 256 * 1024;

function parseHeaders(text: string): Headers {
  const h = new Headers();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf(":");
    if (i <= 0) throw new TypeError(`not a header line: "${line}" (expected Name: value)`);
    h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return h;
}

let controller: AbortController | undefined;

/** Aborts the run in progress (the Stop button). */
export function stop(): void {
  controller?.abort();
}

/** Reads a body to the end, painting progress with percent and speed. */
async function readBody(res: Response, signal: AbortSignal): Promise<Uint8Array> {
  const length = Number(res.headers.get("content-length") ?? "");
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const chunks: Uint8Array[] = [];
  let n = 0;
  const t0 = performance.now();
  let paintQueued = false;
  let finished = false;
  if (res.body) {
    const reader = res.body.getReader();
    const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.length;
        // At most one paint per PAINT_MS, and always one after the last chunk of a burst
        // (a stalled download shows where it stalled).
        if (!paintQueued) {
          paintQueued = true;
          setTimeout(() => {
            paintQueued = false;
            if (!finished) showProgress(n, total, performance.now() - t0);
          }, PAINT_MS);
        }
      }
    } finally {
      finished = true;
      signal.removeEventListener("abort", onAbort);
    }
    signal.throwIfAborted();
  }
  showProgress(n, total ?? n, performance.now() - t0);
  // A small body needs no progress bar; a large one keeps its final size and speed.
  if (n < LARGE_BODY) ui.progressBox.hidden = true;
  return concatBytes(chunks);
}

async function runFetch(net: Network, s: RequestState, signal: AbortSignal): Promise<void> {
  let url = new URL(s.url);
  let method = s.method;
  const headers = parseHeaders(s.headers);
  let body: string | undefined = method !== "GET" && method !== "HEAD" && s.body !== "" ? s.body : undefined;
  ui.reqHeaders.textContent = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...[...headers].map(([k, v]) => `${k}: ${v}`),
    "(fetch adds User-Agent, Accept, Accept-Encoding, Connection and Content-Length)"].join("\n");
  const started = performance.now();
  for (let hop = 1; ; hop++) {
    setStatus("running", hop > 1 ? `hop ${hop}…` : "connecting…");
    let timing: FetchTiming | undefined;
    const res = await net.fetch(url, { method, headers, body, redirect: "manual", signal, onTiming: (t) => (timing = t) });
    const info = socketInfoOf(res);
    const location = res.headers.get("location");
    const redirect = REDIRECTS.has(res.status) && location !== null && s.follow;
    if (!redirect) {
      showHeaders(res.status, res.statusText, res.headers);
      if (info) showTls(info.tls, info.remoteAddress);
    }
    const bytes = await readBody(res, signal);
    const hopView = { method, url: url.href, status: res.status, statusText: res.statusText, remote: info?.remoteAddress };
    const phases = timing ? phasesOf(timing, info, bytes.length) : [];
    if (!redirect) {
      addHop({ ...hopView, phases });
      showBodyResult(bytes, res.headers.get("content-type") ?? "");
      const ms = performance.now() - started;
      ui.summary.textContent = `${formatBytes(bytes.length)} in ${ms.toFixed(0)} ms${hop > 1 ? ` · ${hop} hops` : ""}`;
      return;
    }
    const next = new URL(location, url);
    addHop({ ...hopView, location: next.href, phases });
    if (hop >= MAX_HOPS) throw new Error(`more than ${MAX_HOPS} redirects`);
    // 303, and 301/302 after a POST, become a GET without a body (the fetch standard).
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      if (method !== "HEAD") method = "GET";
      body = undefined;
      headers.delete("content-type");
    }
    url = next;
  }
}

async function runC(net: Network, s: RequestState, signal: AbortSignal): Promise<void> {
  setStatus("running", "running the C client…");
  const url = new URL(s.url);
  ui.reqHeaders.textContent = `GET ${url.pathname}${url.search} HTTP/1.1\nHost: ${url.host}\nConnection: close\n(the C client's fixed request)`;
  const t0 = performance.now();
  const res = await runCClient(net, url, { ca: s.ca || undefined, insecure: !s.verify, signal });
  showHeaders(res.status, "", res.headers);
  const type = res.headers.find(([n]) => n.toLowerCase() === "content-type")?.[1] ?? "";
  showBodyResult(res.body, type);
  showProgress(res.body.length, res.body.length, res.ms);
  ui.summary.textContent = `${formatBytes(res.body.length)} in ${res.ms.toFixed(0)} ms`;
  ui.tlsVersion.textContent = "— (the C client reports no session details; see the Packets tab)";
  addHop({
    method: "GET",
    url: url.href,
    status: res.status,
    phases: [{ name: "C client total", start: t0, end: t0 + res.ms, note: `${res.raw.length} bytes received` }],
  });
}

export async function run(): Promise<void> {
  if (controller) return;
  const ctl = new AbortController();
  controller = ctl;
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.app.dataset.state = "running";
  resetResults();
  selectTab("pane", "response");
  let failed = false;

  const s = readForm();
  saveToLocation();
  const rec = startRecording((e) => s.debug || e.source === "assert");
  const capture = rec.capture;
  let network: Network | undefined;

  try {
    network = await createNetwork({
      dialer: new WispDialer({ url: shimUrl() }),
      tls: { ca: s.ca || undefined, dangerouslySkipVerification: !s.verify, keylog: true },
      debug: s.debug ? { lwip: true, mbedtls: 3 } : undefined,
      onFrame: rec.onFrame,
      onLog: rec.onLog,
    });
    if (s.client === "c") await runC(network, s, ctl.signal);
    else await runFetch(network, s, ctl.signal);
  } catch (e) {
    failed = true;
    let host = "";
    let port = "";
    try {
      const u = new URL(s.url);
      host = u.hostname;
      port = u.port || (u.protocol === "https:" ? "443" : "80");
    } catch {
      // an unparseable URL: its own error says so
    }
    await showError(e, { host, port, relay: shimUrl(), capture });
    console.error(e);
  } finally {
    await network?.close().catch((e: unknown) => console.warn("closing the network:", e));
    rec.finish("lwip-device.pcap");
    controller = undefined;
    ui.run.disabled = false;
    ui.stop.disabled = true;
    // What tests (and people) wait for: everything above is on the page.
    ui.app.dataset.state = failed ? "error" : "done";
  }
}
