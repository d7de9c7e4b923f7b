// The response head, progress, the reset before a run, and the download links.
import { formatBytes } from "../../../ts-bindings/src/cli/progress.js";
import { setStatus, ui } from "../dom.js";
import { clearBody } from "./body.js";
import { clearError } from "./error.js";
import { clearHops } from "./hops.js";
import { log } from "./log.js";
import { clearTls } from "./tls.js";

const blobUrls: string[] = [];

export function resetResults(): void {
  clearError();
  setStatus("running", "…");
  ui.summary.textContent = "";
  ui.progressBox.hidden = true;
  ui.progress.textContent = "";
  ui.respHeaders.textContent = "";
  ui.reqHeaders.textContent = "";
  clearBody();
  clearTls();
  clearHops();
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

/** Progress of a body: percent when the length is known, and the speed so far. */
export function showProgress(bytes: number, total: number | undefined, ms: number): void {
  ui.progressBox.hidden = false;
  const speed = ms > 0 ? `${formatBytes(Math.round((bytes * 1000) / ms))}/s` : "";
  if (total) {
    ui.progressBar.value = Math.min(1, bytes / total);
    ui.progress.textContent = `${((bytes / total) * 100).toFixed(0)}% · ${formatBytes(bytes)} of ${formatBytes(total)} · ${speed}`;
  } else {
    ui.progressBar.removeAttribute("value");
    ui.progress.textContent = `${formatBytes(bytes)} · ${speed}`;
  }
}

export function offerDownload(a: HTMLAnchorElement, data: Uint8Array | string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  blobUrls.push(url);
  a.href = url;
  a.removeAttribute("aria-disabled");
}
