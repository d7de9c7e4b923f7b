// The page's elements, looked up once, and the Wisp endpoint it talks to.

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

export const ui = {
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

export const viewRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="view"]')];
export const imageRadio = viewRadios.find((r) => r.value === "image")!;

/** ws(s)://<this host>/wisp/, unless ?shim= names another endpoint. */
export function shimUrl(): string {
  const override = new URLSearchParams(location.search).get("shim");
  if (override) return override;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/wisp/`;
}


export function setStatus(state: "idle" | "running" | "done" | "error", text: string): void {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

