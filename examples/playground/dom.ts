// The page's elements, looked up once, the Wisp endpoint it talks to, and small DOM helpers.

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

export const ui = {
  app: $("app"),
  form: $<HTMLFormElement>("form"),
  preset: $<HTMLSelectElement>("preset"),
  url: $<HTMLInputElement>("url"),
  client: $<HTMLSelectElement>("client"),
  method: $<HTMLSelectElement>("method"),
  headers: $<HTMLTextAreaElement>("headers"),
  headersField: $("headers-field"),
  requestBody: $<HTMLTextAreaElement>("request-body"),
  requestBodyField: $("request-body-field"),
  verify: $<HTMLInputElement>("verify"),
  follow: $<HTMLInputElement>("follow"),
  debug: $<HTMLInputElement>("debug"),
  insecureWarning: $("insecure-warning"),
  ca: $<HTMLTextAreaElement>("ca"),
  caDetails: $<HTMLDetailsElement>("ca-details"),
  caState: $("ca-state"),
  run: $<HTMLButtonElement>("run"),
  stop: $<HTMLButtonElement>("stop"),
  copyCommand: $<HTMLButtonElement>("copy-command"),
  copyLink: $<HTMLButtonElement>("copy-link"),
  command: $("command"),
  tabStatus: $("tab-status"),
  status: $("status"),
  summary: $("summary"),
  progressBox: $("progress-box"),
  progressBar: $<HTMLProgressElement>("progress-bar"),
  progress: $("progress"),
  error: $("error"),
  errorCode: $("error-code"),
  errorLayer: $("error-layer"),
  errorMessage: $("error-message"),
  errorCause: $("error-cause"),
  errorHint: $("error-hint"),
  errorChainBox: $("error-chain-box"),
  errorChain: $("error-chain"),
  errorActions: $("error-actions"),
  trustRoot: $<HTMLButtonElement>("trust-root"),
  trustTop: $<HTMLButtonElement>("trust-top"),
  skipVerify: $<HTMLButtonElement>("skip-verify"),
  respHeaders: $("resp-headers"),
  reqHeaders: $("req-headers"),
  bodyNote: $("body-note"),
  body: $("body"),
  bodyHtml: $<HTMLIFrameElement>("body-html"),
  bodyImage: $<HTMLImageElement>("body-image"),
  hops: $("hops"),
  hopCount: $("hop-count"),
  tlsVersion: $("tls-version"),
  tlsSuite: $("tls-suite"),
  tlsAlpn: $("tls-alpn"),
  tlsPeer: $("tls-peer"),
  chain: $("chain"),
  packets: $("packets"),
  packetFilter: $<HTMLInputElement>("packet-filter"),
  packetCount: $("packet-count"),
  frameDetail: $("frame-detail"),
  log: $("log"),
  logOff: $("log-off"),
  logCount: $("log-count"),
  downloadPcap: $<HTMLAnchorElement>("download-pcap"),
  downloadKeylog: $<HTMLAnchorElement>("download-keylog"),
  // Pico program mode
  picoForm: $<HTMLFormElement>("pico-form"),
  picoProgram: $<HTMLSelectElement>("pico-program"),
  picoDescription: $("pico-description"),
  picoParams: $("pico-params"),
  picoRun: $<HTMLButtonElement>("pico-run"),
  picoStop: $<HTMLButtonElement>("pico-stop"),
  picoMissing: $("pico-missing"),
  picoDevice: $<HTMLFieldSetElement>("pico-device"),
  picoPageIp: $("pico-page-ip"),
  picoTarget: $("pico-target"),
  picoSend: $<HTMLInputElement>("pico-send"),
  picoSendLabel: $("pico-send-label"),
  picoFetch: $<HTMLButtonElement>("pico-fetch"),
  picoFetchResult: $("pico-fetch-result"),
  picoLed: $("pico-led"),
  terminal: $("terminal"),
  terminalForm: $<HTMLFormElement>("terminal-form"),
  terminalInput: $<HTMLInputElement>("terminal-input"),
};

export const viewRadios = [...document.querySelectorAll<HTMLInputElement>('input[name="view"]')];

/** ws(s)://<this host>/wisp/, unless ?shim= names another endpoint. */
export function shimUrl(): string {
  const override = new URLSearchParams(location.search).get("shim");
  if (override) return override;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/wisp/`;
}

export function setStatus(state: "idle" | "running" | "done" | "error", text: string): void {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
  ui.tabStatus.textContent = state === "idle" ? "" : text;
  ui.tabStatus.dataset.state = state;
}

/** An element with text and optional class, for building views without innerHTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** A <dl class="kv"> of label/value rows. */
export function keyValues(rows: readonly (readonly [string, string])[]): HTMLDListElement {
  const dl = el("dl", undefined, "kv");
  for (const [k, v] of rows) dl.append(el("dt", k), el("dd", v));
  return dl;
}

/** Selects one tab of a tab list (buttons with data-<attr>) and shows its panel. */
export function selectTab(attr: "tab" | "pane", value: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>(`[role="tab"][data-${attr}]`)) {
    b.setAttribute("aria-selected", String(b.dataset[attr] === value));
  }
  if (attr === "pane") ui.app.dataset.pane = value;
  else for (const p of document.querySelectorAll<HTMLElement>("[data-panel]")) p.hidden = p.dataset.panel !== value;
}
