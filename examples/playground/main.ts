// The browser playground: one request through the device stack (lwIP + altcp_tls +
// Mbed TLS in WebAssembly), out through a Wisp stream to the shim, with everything the
// device saw: the response, the TLS session, a timeline, the frames on its link, and the
// lwIP / Mbed TLS debug log. Plain DOM, no framework.
//
// Every run gets a fresh network (two stack instances and one WebSocket), so the capture,
// the key log and the debug setting belong to that run alone; it is closed when the run
// ends, and what it recorded stays downloadable.
import * as lmw from "../../ts-bindings/src/index.browser.js";
import {
  BUNDLED_CA_COUNT,
  KeyLog,
  PcapWriter,
  VERSION,
  WispDialer,
  concatBytes,
  createNetwork,
  isLmwError,
  runCClient,
  socketInfoOf,
  summarizeFrame,
  type FetchTiming,
  type LogEntry,
  type Network,
  type TlsInfo,
} from "../../ts-bindings/src/index.browser.js";

// ---- the page ------------------------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

const ui = {
  app: $("app"),
  form: $<HTMLFormElement>("form"),
  url: $<HTMLInputElement>("url"),
  mode: $<HTMLSelectElement>("mode"),
  method: $<HTMLSelectElement>("method"),
  headers: $<HTMLTextAreaElement>("headers"),
  headersField: $("headers-field"),
  requestBody: $<HTMLTextAreaElement>("request-body"),
  requestBodyField: $("request-body-field"),
  verify: $<HTMLInputElement>("verify"),
  debug: $<HTMLInputElement>("debug"),
  insecureWarning: $("insecure-warning"),
  ca: $<HTMLTextAreaElement>("ca"),
  caDetails: $<HTMLDetailsElement>("ca-details"),
  run: $<HTMLButtonElement>("run"),
  error: $("error"),
  status: $("status"),
  progress: $("progress"),
  respHeaders: $("resp-headers"),
  body: $("body"),
  bodyImage: $<HTMLImageElement>("body-image"),
  tlsVersion: $("tls-version"),
  tlsSuite: $("tls-suite"),
  tlsAlpn: $("tls-alpn"),
  tlsPeer: $("tls-peer"),
  chain: $("chain"),
  timeline: $("timeline"),
  packets: $("packets"),
  packetCount: $("packet-count"),
  log: $("log"),
  logCount: $("log-count"),
  logSection: $("log-section"),
  downloadPcap: $<HTMLAnchorElement>("download-pcap"),
  downloadKeylog: $<HTMLAnchorElement>("download-keylog"),
};

const viewRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="view"]')];
const imageRadio = viewRadios.find((r) => r.value === "image")!;

/** ws(s)://<this host>/wisp/, unless ?shim= names another endpoint. */
function shimUrl(): string {
  const override = new URLSearchParams(location.search).get("shim");
  if (override) return override;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/wisp/`;
}

$("shim-url").textContent = shimUrl();
// For the devtools console (and test/browser/bench-download.ts): the whole library, and
// the shim URL this page uses, e.g.
//   const net = await lmw.createNetwork({ dialer: new lmw.WispDialer({ url: lmw.shimUrl() }) });
Object.assign(globalThis, { lmw: { ...lmw, shimUrl } });
$("bundled-count").textContent = `${BUNDLED_CA_COUNT} roots`;
$("version").textContent = `lwip-mbedtls-wasm ${VERSION}`;
{
  const preset = new URLSearchParams(location.search).get("url");
  if (preset) ui.url.value = preset;
}

function syncForm(): void {
  const c = ui.mode.value === "c";
  // The C client sends one fixed "GET ... Connection: close".
  if (c) ui.method.value = "GET";
  ui.method.disabled = c;
  ui.headers.disabled = c;
  ui.requestBody.disabled = c;
  ui.headersField.classList.toggle("off", c);
  ui.requestBodyField.classList.toggle("off", c);
  ui.insecureWarning.hidden = ui.verify.checked;
  ui.logSection.classList.toggle("off", !ui.debug.checked);
}
ui.mode.addEventListener("change", syncForm);
ui.verify.addEventListener("change", syncForm);
ui.debug.addEventListener("change", syncForm);
syncForm();

// ---- batched lists (a 20 MB download is ~15 000 frames: one DOM update per frame
// would cost more than the TLS) -------------------------------------------------------

const MAX_PACKET_ROWS = 3000;
const MAX_LOG_LINES = 20000;

class LiveList {
  #pending: string[] = [];
  #shown = 0;
  #total = 0;
  #scheduled = false;
  constructor(
    readonly el: HTMLElement,
    readonly counter: HTMLElement,
    readonly max: number,
    readonly render: (el: HTMLElement, lines: string[]) => void,
    readonly unit: string,
  ) {}

  add(line: string): void {
    this.#total++;
    if (this.#shown + this.#pending.length < this.max) this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length) {
      const stick = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 4;
      this.render(this.el, this.#pending);
      this.#shown += this.#pending.length;
      this.#pending = [];
      if (stick) this.el.scrollTop = this.el.scrollHeight;
    }
    const hidden = this.#total - this.#shown;
    this.counter.textContent = `(${this.#total} ${this.unit}${hidden > 0 ? `, first ${this.#shown} shown` : ""})`;
  }

  clear(): void {
    this.#pending = [];
    this.#shown = 0;
    this.#total = 0;
    this.el.textContent = "";
    this.counter.textContent = "";
  }

  get total(): number {
    return this.#total;
  }
}

const packets = new LiveList(ui.packets, ui.packetCount, MAX_PACKET_ROWS, (el, lines) => {
  const frag = document.createDocumentFragment();
  for (const l of lines) {
    const li = document.createElement("li");
    li.textContent = l;
    frag.append(li);
  }
  el.append(frag);
}, "frames");

const log = new LiveList(ui.log, ui.logCount, MAX_LOG_LINES, (el, lines) => {
  el.append(document.createTextNode(lines.join("\n") + "\n"));
}, "lines");

// ---- results -------------------------------------------------------------------------

let bodyBytes: Uint8Array = new Uint8Array(0);
let bodyType = "";
let imageUrl: string | undefined;
const blobUrls: string[] = [];

function resetResults(): void {
  ui.error.hidden = true;
  ui.error.textContent = "";
  setStatus("running", "…");
  ui.progress.textContent = "";
  ui.respHeaders.textContent = "";
  bodyBytes = new Uint8Array(0);
  bodyType = "";
  showBody();
  for (const el of [ui.tlsVersion, ui.tlsSuite, ui.tlsAlpn, ui.tlsPeer]) el.textContent = "—";
  ui.chain.textContent = "";
  ui.timeline.textContent = "";
  packets.clear();
  log.clear();
  for (const a of [ui.downloadPcap, ui.downloadKeylog]) {
    a.removeAttribute("href");
    a.setAttribute("aria-disabled", "true");
  }
  for (const u of blobUrls.splice(0)) URL.revokeObjectURL(u);
}

function setStatus(state: "idle" | "running" | "done" | "error", text: string): void {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

function showError(e: unknown): void {
  let text: string;
  if (isLmwError(e)) {
    // Mbed TLS codes read best in hex (-0x2700), lwIP's err_t in decimal (-14).
    const n = e.nativeCode;
    const native = n === undefined ? "" : `, ${e.layer === "mbedtls" && n < 0 ? `-0x${(-n).toString(16)}` : n}`;
    text = `${e.code} (${e.layer}${native}): ${e.message}`;
  } else if (e instanceof Error) {
    text = `${e.name}: ${e.message}`;
  } else {
    text = String(e);
  }
  ui.error.textContent = text;
  ui.error.hidden = false;
  setStatus("error", "failed");
}

function showHeaders(status: number, statusText: string, headers: Iterable<[string, string]>): void {
  setStatus("done", `${status}${statusText ? " " + statusText : ""}`);
  ui.respHeaders.textContent = [...headers].map(([n, v]) => `${n}: ${v}`).join("\n");
}

const MAX_TEXT = 1 << 20;
const MAX_HEX = 64 * 1024;

function hexDump(b: Uint8Array): string {
  const rows: string[] = [];
  const n = Math.min(b.length, MAX_HEX);
  for (let off = 0; off < n; off += 16) {
    const row = b.subarray(off, Math.min(off + 16, n));
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      if (i < row.length) {
        hex += row[i]!.toString(16).padStart(2, "0") + (i === 7 ? "  " : " ");
        ascii += row[i]! >= 0x20 && row[i]! < 0x7f ? String.fromCharCode(row[i]!) : ".";
      } else {
        hex += i === 7 ? "    " : "   ";
      }
    }
    rows.push(`${off.toString(16).padStart(8, "0")}  ${hex} ${ascii}`);
  }
  if (b.length > n) rows.push(`… ${b.length - n} more bytes`);
  return rows.join("\n");
}

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType);
  return m?.[1] ?? "utf-8";
}

function showBody(): void {
  const view = viewRadios.find((r) => r.checked)?.value ?? "text";
  const isImage = bodyType.toLowerCase().startsWith("image/");
  imageRadio.disabled = !isImage;
  if (imageUrl) {
    URL.revokeObjectURL(imageUrl);
    imageUrl = undefined;
  }
  if (view === "image" && isImage) {
    imageUrl = URL.createObjectURL(new Blob([bodyBytes as Uint8Array<ArrayBuffer>], { type: bodyType }));
    ui.bodyImage.src = imageUrl;
    ui.bodyImage.hidden = false;
    ui.body.hidden = true;
    return;
  }
  ui.bodyImage.hidden = true;
  ui.bodyImage.removeAttribute("src");
  ui.body.hidden = false;
  if (view === "hex") {
    ui.body.textContent = hexDump(bodyBytes);
    return;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(bodyType));
  } catch {
    decoder = new TextDecoder();
  }
  const text = decoder.decode(bodyBytes.subarray(0, MAX_TEXT));
  ui.body.textContent = bodyBytes.length > MAX_TEXT ? `${text}\n… ${bodyBytes.length - MAX_TEXT} more bytes (see hex or the capture)` : text;
}
for (const r of viewRadios) r.addEventListener("change", showBody);

function showBodyResult(bytes: Uint8Array, contentType: string): void {
  bodyBytes = bytes;
  bodyType = contentType;
  if (contentType.toLowerCase().startsWith("image/")) imageRadio.checked = true;
  else if (imageRadio.checked) viewRadios[0]!.checked = true;
  showBody();
}

function showTls(tls: TlsInfo | undefined, remote: string): void {
  ui.tlsPeer.textContent = remote || "—";
  if (!tls) {
    ui.tlsVersion.textContent = "— (not TLS)";
    return;
  }
  ui.tlsVersion.textContent = tls.version;
  ui.tlsSuite.textContent = tls.cipherSuite;
  ui.tlsAlpn.textContent = tls.alpnProtocol ?? "none";
  ui.chain.textContent = "";
  tls.peerCertificates.forEach((c, i) => {
    const li = document.createElement("li");
    const dl = document.createElement("dl");
    dl.className = "kv";
    const rows: [string, string][] = [
      [i === 0 ? "Subject (leaf)" : "Subject", c.subject],
      ["Issuer", c.issuer],
      ["Valid", `${c.validFrom} → ${c.validTo}`],
      ["Size", `${c.raw.length} bytes DER`],
    ];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    li.append(dl);
    ui.chain.append(li);
  });
}

interface Phase {
  name: string;
  start: number;
  end: number;
  note?: string;
}

function showTimeline(phases: Phase[], origin: number, total: number): void {
  ui.timeline.textContent = "";
  const span = Math.max(total, 1);
  for (const p of phases) {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.className = "t-name";
    label.textContent = p.name;
    const ms = document.createElement("span");
    ms.className = "t-ms";
    ms.textContent = `${(p.end - p.start).toFixed(1)} ms${p.note ? ` · ${p.note}` : ""}`;
    const track = document.createElement("span");
    track.className = "t-track";
    const bar = document.createElement("span");
    bar.className = "t-bar";
    bar.style.marginLeft = `${(((p.start - origin) / span) * 100).toFixed(2)}%`;
    bar.style.width = `${Math.max(0.5, ((p.end - p.start) / span) * 100).toFixed(2)}%`;
    track.append(bar);
    li.append(label, ms, track);
    li.dataset.phase = p.name;
    ui.timeline.append(li);
  }
}

function offerDownload(a: HTMLAnchorElement, data: Uint8Array | string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  blobUrls.push(url);
  a.href = url;
  a.removeAttribute("aria-disabled");
}

// ---- a run ---------------------------------------------------------------------------

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

let running = false;

async function run(): Promise<void> {
  if (running) return;
  running = true;
  ui.run.disabled = true;
  ui.app.dataset.state = "running";
  resetResults();
  let failed = false;

  const mode = ui.mode.value === "c" ? "c" : "fetch";
  const verify = ui.verify.checked;
  const ca = ui.ca.value.trim() || undefined;
  const pcap = new PcapWriter();
  const keylog = new KeyLog();
  let network: Network | undefined;

  try {
    const url = new URL(ui.url.value.trim());
    const debug = ui.debug.checked;
    network = await createNetwork({
      dialer: new WispDialer({ url: shimUrl() }),
      tls: { ca, dangerouslySkipVerification: !verify, keylog: true },
      debug: debug ? { lwip: true, mbedtls: 3 } : undefined,
      onFrame: (frame, _from, timeMs) => {
        pcap.add(frame, timeMs);
        packets.add(summarizeFrame(frame));
      },
      onLog: (e: LogEntry) => {
        if (e.source === "keylog") keylog.add(e.text);
        else if (debug || e.source === "assert") log.add(`${e.stack} ${e.source}: ${e.text.replace(/\n$/, "")}`);
      },
    });
    const net = network;

    if (mode === "c") {
      setStatus("running", "running the C client…");
      const t0 = performance.now();
      const res = await runCClient(net, url, { ca, insecure: !verify });
      showHeaders(res.status, "", res.headers);
      const type = res.headers.find(([n]) => n.toLowerCase() === "content-type")?.[1] ?? "";
      showBodyResult(res.body, type);
      ui.progress.textContent = `${res.body.length} bytes`;
      ui.tlsVersion.textContent = "— (the C client reports no session details; turn on the debug log)";
      const phases: Phase[] = [];
      phases.push({ name: "C client total", start: t0, end: t0 + res.ms, note: `${res.raw.length} bytes received` });
      showTimeline(phases, t0, res.ms);
    } else {
      let timing: FetchTiming | undefined;
      const method = ui.method.value;
      const hasBody = method !== "GET" && method !== "HEAD";
      const res = await net.fetch(url, {
        method,
        headers: parseHeaders(ui.headers.value),
        body: hasBody && ui.requestBody.value !== "" ? ui.requestBody.value : undefined,
        redirect: "follow",
        onTiming: (t) => (timing = t),
      });
      showHeaders(res.status, res.statusText, res.headers);
      const info = socketInfoOf(res);
      if (info) showTls(info.tls, info.remoteAddress);

      // The body as it arrives, with a running count.
      const chunks: Uint8Array[] = [];
      let n = 0;
      if (res.body) {
        const reader = res.body.getReader();
        let lastPaint = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          n += value.length;
          const now = performance.now();
          if (now - lastPaint > 100) {
            lastPaint = now;
            ui.progress.textContent = `${(n / 1024).toFixed(0)} KiB…`;
          }
        }
      }
      const bytes = concatBytes(chunks);
      ui.progress.textContent = `${n} bytes`;
      showBodyResult(bytes, res.headers.get("content-type") ?? "");

      if (timing) {
        const t = timing;
        const phases: Phase[] = [];
        let origin = t.connectStart;
        const c = info?.timing;
        if (t.reused || !c) {
          phases.push({ name: "connect", start: t.connectStart, end: t.connected, note: "kept-alive connection" });
        } else {
          origin = Math.min(origin, c.start);
          phases.push({ name: "DNS", start: c.start, end: c.resolved, note: "device → router; the shim resolves the name" });
          // Over Wisp v1 the router lets the SYN through once the CONNECT is sent (no
          // connect acknowledgement): this is the device's handshake plus the dial.
          phases.push({ name: "TCP connect", start: c.resolved, end: c.tcpConnected, note: "until TCP is up on the device" });
          if (info.tls) phases.push({ name: "TLS handshake", start: c.tcpConnected, end: c.opened });
        }
        phases.push({ name: "request → first byte", start: t.connected, end: t.firstByte });
        phases.push({ name: "download", start: t.firstByte, end: t.end, note: `${n} bytes` });
        phases.push({ name: "total", start: origin, end: t.end });
        showTimeline(phases, origin, t.end - origin);
      }
    }
  } catch (e) {
    failed = true;
    showError(e);
    console.error(e);
  } finally {
    await network?.close().catch((e: unknown) => console.warn("closing the network:", e));
    packets.flush();
    log.flush();
    offerDownload(ui.downloadPcap, pcap.bytes(), "application/vnd.tcpdump.pcap");
    if (keylog.lines.length) offerDownload(ui.downloadKeylog, keylog.text(), "text/plain");
    running = false;
    ui.run.disabled = false;
    // What tests (and people) wait for: everything above is on the page.
    ui.app.dataset.state = failed ? "error" : "done";
  }
}

ui.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void run();
});
