// The response head, the reset before a run, and the download links.
import { setStatus, ui } from "../dom.js";
import { clearBody } from "./body.js";
import { log, packets } from "./lists.js";

const blobUrls: string[] = [];

export function resetResults(): void {
  ui.error.hidden = true;
  ui.error.textContent = "";
  setStatus("running", "…");
  ui.progress.textContent = "";
  ui.respHeaders.textContent = "";
  clearBody();
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

export function showHeaders(status: number, statusText: string, headers: Iterable<[string, string]>): void {
  setStatus("done", `${status}${statusText ? " " + statusText : ""}`);
  ui.respHeaders.textContent = [...headers].map(([n, v]) => `${n}: ${v}`).join("\n");
}

export function offerDownload(a: HTMLAnchorElement, data: Uint8Array | string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  blobUrls.push(url);
  a.href = url;
  a.removeAttribute("aria-disabled");
}

