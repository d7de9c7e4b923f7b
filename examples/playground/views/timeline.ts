// The connection timeline of one request: phases on a common time axis, built from
// fetch's FetchTiming and the connection's own ConnectTiming (SocketInfo.timing).
//
// The one place the page turns timings into phases: when the library's own timeline
// builder lands (the CLI moves its copy there), phasesOf() becomes that one import.
import type { FetchTiming, SocketInfo } from "../../../ts-bindings/src/index.browser.js";
import { el } from "../dom.js";

export interface Phase {
  name: string;
  start: number;
  end: number;
  note?: string;
}

/** The phases of one request, in order, ending with "total". */
export function phasesOf(t: FetchTiming, info: SocketInfo | undefined, bytes: number, tls: boolean): Phase[] {
  const phases: Phase[] = [];
  let origin = t.connectStart;
  const c = info?.timing;
  if (t.reused || !c) {
    phases.push({ name: "connect", start: t.connectStart, end: t.connected, note: "kept-alive connection" });
  } else {
    origin = Math.min(origin, c.start);
    phases.push({ name: "DNS", start: c.start, end: c.resolved, note: "device → router; the relay resolves the name" });
    // Over Wisp v1 the router lets the SYN through once the CONNECT is sent (no connect
    // acknowledgement): this is the device's handshake plus the dial.
    phases.push({ name: "TCP connect", start: c.resolved, end: c.tcpConnected, note: "until TCP is up on the device" });
    if (tls) phases.push({ name: "TLS handshake", start: c.tcpConnected, end: c.opened });
  }
  phases.push({ name: "request → first byte", start: t.connected, end: t.firstByte });
  phases.push({ name: "download", start: t.firstByte, end: t.end, note: `${bytes} bytes` });
  phases.push({ name: "total", start: origin, end: t.end });
  return phases;
}

/** Draws phases as bars on a track, into a new <ol class="timeline">. */
export function timelineList(phases: Phase[]): HTMLOListElement {
  const ol = el("ol", undefined, "timeline");
  if (phases.length === 0) return ol;
  const origin = Math.min(...phases.map((p) => p.start));
  const span = Math.max(Math.max(...phases.map((p) => p.end)) - origin, 1);
  for (const p of phases) {
    const li = el("li");
    const ms = el("span", `${(p.end - p.start).toFixed(1)} ms${p.note ? ` · ${p.note}` : ""}`, "t-ms");
    const track = el("span", undefined, "t-track");
    const bar = el("span", undefined, "t-bar");
    bar.style.marginLeft = `${(((p.start - origin) / span) * 100).toFixed(2)}%`;
    bar.style.width = `${Math.max(0.5, ((p.end - p.start) / span) * 100).toFixed(2)}%`;
    track.append(bar);
    li.append(el("span", p.name, "t-name"), ms, track);
    li.dataset.phase = p.name;
    ol.append(li);
  }
  return ol;
}
