// One run: a fresh network (two stack instances and one WebSocket), so the capture,
// the key log and the debug setting belong to that run alone; it is closed when the run
// ends, and what it recorded stays downloadable.
import {
  KeyLog,
  PcapWriter,
  WispDialer,
  concatBytes,
  createNetwork,
  runCClient,
  socketInfoOf,
  summarizeFrame,
  type FetchTiming,
  type LogEntry,
  type Network,
} from "../../ts-bindings/src/index.browser.js";
import { setStatus, shimUrl, ui } from "./dom.js";
import { showBodyResult } from "./views/body.js";
import { showError } from "./views/error.js";
import { log, packets } from "./views/lists.js";
import { offerDownload, resetResults, showHeaders } from "./views/response.js";
import { showTimeline, type Phase } from "./views/timeline.js";
import { showTls } from "./views/tls.js";

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

export async function run(): Promise<void> {
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

