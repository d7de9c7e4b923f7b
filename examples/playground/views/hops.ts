// Every hop of a request, redirects included, each with its own timeline: the page
// follows redirects itself (redirect: "manual") so that no hop is hidden.
import { el, ui } from "../dom.js";
import { timelineList, type Phase } from "./timeline.js";

export interface Hop {
  method: string;
  url: string;
  status?: number;
  statusText?: string;
  /** Where a redirect pointed. */
  location?: string;
  /** The connection's peer (the router's fake address for a name). */
  remote?: string;
  phases: Phase[];
}

let count = 0;

export function clearHops(): void {
  count = 0;
  ui.hops.textContent = "";
  ui.hopCount.textContent = "";
}

export function addHop(h: Hop): void {
  count++;
  const li = el("li", undefined, "hop");
  li.dataset.testid = "hop";
  const head = el("p", undefined, "hop-head");
  head.append(
    el("span", `${count}`, "hop-n"),
    el("span", h.status !== undefined ? `${h.status}${h.statusText ? ` ${h.statusText}` : ""}` : "…", "hop-status"),
    el("span", `${h.method} ${h.url}`, "hop-url mono"),
  );
  li.append(head);
  if (h.location) li.append(el("p", `→ ${h.location}`, "hop-location mono"));
  if (h.remote) li.append(el("p", `peer ${h.remote}`, "muted"));
  li.append(timelineList(h.phases));
  ui.hops.append(li);
  ui.hopCount.textContent = count > 1 ? String(count) : "";
}
