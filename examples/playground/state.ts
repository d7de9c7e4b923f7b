// The request as shareable state: the form <-> the page's URL fragment (#url=…&ca=…), so a
// reload keeps it and a copied link reproduces it, CA included. The fragment never
// reaches a server. Presets are starting points for the same form.
import { ui } from "./dom.js";

export interface RequestState {
  url: string;
  client: "fetch" | "c";
  method: string;
  headers: string;
  body: string;
  verify: boolean;
  follow: boolean;
  debug: boolean;
  ca: string;
}

const DEFAULTS: RequestState = {
  url: "https://example.com/",
  client: "fetch",
  method: "GET",
  headers: "",
  body: "",
  verify: true,
  follow: true,
  debug: false,
  ca: "",
};

export function readForm(): RequestState {
  return {
    url: ui.url.value.trim(),
    client: ui.client.value === "c" ? "c" : "fetch",
    method: ui.method.value,
    headers: ui.headers.value,
    body: ui.requestBody.value,
    verify: ui.verify.checked,
    follow: ui.follow.checked,
    debug: ui.debug.checked,
    ca: ui.ca.value.trim(),
  };
}

export function writeForm(s: Partial<RequestState>): void {
  const v = { ...DEFAULTS, ...s };
  ui.url.value = v.url;
  ui.client.value = v.client;
  ui.method.value = v.method;
  ui.headers.value = v.headers;
  ui.requestBody.value = v.body;
  ui.verify.checked = v.verify;
  ui.follow.checked = v.follow;
  ui.debug.checked = v.debug;
  ui.ca.value = v.ca;
}

/** The state as a fragment: only what differs from the defaults. */
export function toFragment(s: RequestState): string {
  const p = new URLSearchParams();
  p.set("url", s.url);
  if (s.client !== DEFAULTS.client) p.set("client", s.client);
  if (s.method !== DEFAULTS.method) p.set("method", s.method);
  if (s.headers) p.set("headers", s.headers);
  if (s.body) p.set("body", s.body);
  if (!s.verify) p.set("verify", "0");
  if (!s.follow) p.set("follow", "0");
  if (s.debug) p.set("debug", "1");
  if (s.ca) p.set("ca", s.ca);
  return `#${p.toString()}`;
}

/** The state in this page's URL: the fragment, or the older ?url= form. */
export function fromLocation(loc: Location = location): Partial<RequestState> | undefined {
  const p = new URLSearchParams(loc.hash.slice(1));
  const url = p.get("url") ?? new URLSearchParams(loc.search).get("url");
  if (!url) return undefined;
  return {
    url,
    client: p.get("client") === "c" ? "c" : "fetch",
    method: p.get("method") ?? DEFAULTS.method,
    headers: p.get("headers") ?? "",
    body: p.get("body") ?? "",
    verify: p.get("verify") !== "0",
    follow: p.get("follow") !== "0",
    debug: p.get("debug") === "1",
    ca: p.get("ca") ?? "",
  };
}

/** Keeps the URL in step with the form (replaceState: typing makes no history entries). */
export function saveToLocation(): void {
  const url = new URL(location.href);
  url.hash = toFragment(readForm());
  history.replaceState(null, "", url);
}

export function shareLink(): string {
  const url = new URL(location.href);
  url.hash = toFragment(readForm());
  return url.href;
}

export interface Preset {
  name: string;
  state: Partial<RequestState>;
}

/** Public starting points. Local servers need `npm run playground -- --allow-loopback`. */
export const PRESETS: Preset[] = [
  { name: "A small page (example.com)", state: { url: "https://example.com/" } },
  { name: "JSON from an API", state: { url: "https://httpbin.org/json", headers: "Accept: application/json" } },
  { name: "POST a JSON body", state: { url: "https://httpbin.org/post", method: "POST", headers: "Content-Type: application/json", body: '{"hello": "from lwIP"}' } },
  { name: "Three redirects", state: { url: "https://httpbin.org/redirect/3" } },
  { name: "An image", state: { url: "https://httpbin.org/image/png" } },
  { name: "A 10 MB download", state: { url: "https://speed.cloudflare.com/__down?bytes=10000000" } },
  { name: "The book's C client", state: { url: "https://example.com/", client: "c" } },
  { name: "Plain HTTP", state: { url: "http://neverssl.com/" } },
  { name: "Expired certificate", state: { url: "https://expired.badssl.com/" } },
  { name: "Untrusted root", state: { url: "https://untrusted-root.badssl.com/" } },
  { name: "Wrong host name", state: { url: "https://wrong.host.badssl.com/" } },
  { name: "TLS 1.2 only server", state: { url: "https://tls-v1-2.badssl.com:1012/" } },
  { name: "Unknown host", state: { url: "https://no-such-host.invalid/" } },
  { name: "Local server on :8443", state: { url: "https://localhost:8443/" } },
];
