// The connection timeline of one request, drawn: the phases come from the library's
// responseTimeline (the same one lwip-https -v and -w use); the page adds its own words.
import { responseTimeline, type FetchTiming, type PhaseName, type SocketInfo } from "../../../ts-bindings/src/index.browser.js";
import { el } from "../dom.js";

export interface Phase {
  name: string;
  start: number;
  end: number;
  note?: string;
}

const WORDS: Record<PhaseName, { name: string; note?: string }> = {
  dns: { name: "DNS", note: "device → router; the relay resolves the name" },
  // Over Wisp v1 the router lets the SYN through once the CONNECT is sent (no connect
  // acknowledgement): this is the device's handshake plus the dial.
  tcp: { name: "TCP connect", note: "until TCP is up on the device" },
  tls: { name: "TLS handshake" },
  reused: { name: "connect", note: "kept-alive connection" },
  wait: { name: "request → first byte" },
  download: { name: "download" },
};

/** The phases of one request, in order, ending with "total". */
export function phasesOf(t: FetchTiming, info: SocketInfo | undefined, bytes: number): Phase[] {
  const timeline = responseTimeline(t, info);
  const phases: Phase[] = timeline.phases.map((p) => ({ ...WORDS[p.name], start: p.start, end: p.end }));
  phases.at(-1)!.note = `${bytes} bytes`;
  phases.push({ name: "total", start: timeline.start, end: timeline.start + timeline.total });
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
