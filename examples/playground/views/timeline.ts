// The connection timeline: one bar per phase on a common time axis.
import { ui } from "../dom.js";

export interface Phase {
  name: string;
  start: number;
  end: number;
  note?: string;
}

export function showTimeline(phases: Phase[], origin: number, total: number): void {
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

