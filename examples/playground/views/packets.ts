// The packet view, as Wireshark lays it out: the frame list, and for the frame clicked
// its layers (Ethernet, ARP, IPv4, TCP, UDP, DNS), its TLS records with their plaintext
// (decrypted in the page with the run's key log), and its bytes.
import {
  CONTENT_TYPES,
  HANDSHAKE_TYPES,
  VERSIONS,
  describeRecord,
  type CaptureDecoder,
  type CapturedFrame,
  type TlsRecord,
} from "../../../ts-bindings/src/index.browser.js";
import { hex16 } from "../../../ts-bindings/src/link/decode/wire.js";
import { el, keyValues, ui } from "../dom.js";
import { hexDump } from "./body.js";
import { LiveList } from "./lists.js";

const MAX_PACKET_ROWS = 5000;

let capture: CaptureDecoder | undefined;
let t0 = 0;

/** Whether a frame's row matches the filter: every word must appear in its protocol or line. */
function matches(li: HTMLElement, words: string[]): boolean {
  const text = `${li.dataset.protocol} ${li.lastElementChild?.textContent ?? ""}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

function filterWords(): string[] {
  return ui.packetFilter.value.toLowerCase().split(/\s+/).filter(Boolean);
}

export const packets = new LiveList<CapturedFrame>(ui.packets, ui.packetCount, MAX_PACKET_ROWS, (list, frames) => {
  const frag = document.createDocumentFragment();
  const words = filterWords();
  for (const f of frames) {
    const li = el("li");
    li.dataset.i = String(f.index);
    li.dataset.protocol = f.tls.length ? "TLS" : f.decoded.protocol;
    li.append(el("span", String(f.index + 1), "f-no"), el("span", `${((f.timeMs - t0) / 1000).toFixed(3)}`, "f-time"), el("span", f.summary, "f-info"));
    if (words.length) li.hidden = !matches(li, words);
    frag.append(li);
  }
  list.append(frag);
});

export function startCapture(c: CaptureDecoder): void {
  capture = c;
  t0 = 0;
  packets.clear();
  ui.frameDetail.textContent = "";
  ui.frameDetail.append(el("p", "Click a frame to see its layers; TLS records show their plaintext (the stack holds the keys).", "muted"));
}

export function addFrame(f: CapturedFrame): void {
  if (t0 === 0) t0 = f.timeMs;
  packets.add(f);
}

/** Readable text when the bytes are mostly printable, else a hex dump. */
function bytesView(b: Uint8Array): string {
  let printable = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if ((b[i]! >= 0x20 && b[i]! < 0x7f) || b[i] === 10 || b[i] === 13 || b[i] === 9 || b[i]! >= 0x80) printable++;
  if (n > 0 && printable / n > 0.9) return new TextDecoder().decode(b.subarray(0, 16384)) + (b.length > 16384 ? `\n… ${b.length - 16384} more bytes` : "");
  return hexDump(b, 4096);
}

function recordBox(c: CaptureDecoder, r: TlsRecord): HTMLElement {
  const d = el("details");
  d.open = true;
  d.className = "layer tls-record";
  d.dataset.testid = "tls-record";
  d.append(el("summary", `TLS record: ${describeRecord(r)}`));
  d.append(keyValues([
    ["Direction", r.fromClient ? `client ${r.conn.client} → server ${r.conn.server}` : `server ${r.conn.server} → client ${r.conn.client}`],
    ["Content type", `${CONTENT_TYPES[r.type] ?? "?"} (${r.type})`],
    ["Record version", `${VERSIONS[r.version] ?? "?"} (${hex16(r.version)})`],
    ["Record", `#${r.index} of this direction, ${r.bytes.length - 5} bytes`],
  ]));
  const plain = el("div", undefined, "plaintext");
  plain.dataset.testid = "plaintext";
  plain.dataset.state = "pending";
  plain.append(el("p", "decrypting…", "muted"));
  d.append(plain);
  c.decrypt(r).then(
    (res) => {
      plain.textContent = "";
      if (!res.ok) {
        plain.dataset.state = res.reason === "not encrypted" ? "plain" : "failed";
        if (res.reason !== "not encrypted") plain.append(el("p", `not decrypted: ${res.reason}`, "muted"));
        return;
      }
      plain.dataset.state = "decrypted";
      const what = res.handshake?.length ? ` — ${res.handshake.map((m) => HANDSHAKE_TYPES[m.type] ?? `type ${m.type}`).join(", ")}` : "";
      plain.append(el("p", `Decrypted with the ${res.keys} keys: ${CONTENT_TYPES[res.type] ?? res.type}${what}, ${res.plaintext.length} bytes`, "decrypted-head"));
      plain.append(el("pre", bytesView(res.plaintext), "mono"));
    },
    (e: unknown) => {
      plain.dataset.state = "failed";
      plain.textContent = `not decrypted: ${(e as Error).message}`;
    },
  );
  return d;
}

export function showFrame(i: number): void {
  const c = capture;
  const f = c?.frames[i];
  if (!c || !f) return;
  for (const li of ui.packets.querySelectorAll("li[aria-selected]")) li.removeAttribute("aria-selected");
  ui.packets.querySelector(`li[data-i="${i}"]`)?.setAttribute("aria-selected", "true");
  const box = ui.frameDetail;
  box.textContent = "";
  box.dataset.frame = String(i);
  box.append(el("h3", `Frame ${i + 1}: ${f.data.length} bytes at +${((f.timeMs - t0) / 1000).toFixed(3)} s`));
  const layers = f.decoded.layers;
  layers.forEach((layer, n) => {
    const d = el("details");
    // Like Wireshark: the top layer open, the ones below it folded (TLS records are the top).
    d.open = f.tls.length === 0 && n === layers.length - 1;
    d.className = "layer";
    d.dataset.layer = layer.name;
    d.append(el("summary", `${layer.name}: ${layer.summary}`), keyValues(layer.fields));
    box.append(d);
  });
  for (const r of f.tls) box.append(recordBox(c, r));
  const raw = el("details");
  raw.className = "layer";
  const bytes = bytesView16(f.data);
  raw.append(el("summary", "Bytes"), bytes);
  box.append(raw);
  // Pointing at a layer marks its bytes, as Wireshark's bytes pane does.
  box.querySelectorAll<HTMLElement>("details[data-layer]").forEach((d, n) => {
    const mark = () => markBytes(bytes, layers[n]!.start, layers[n]!.end);
    d.firstElementChild!.addEventListener("mouseenter", mark);
    d.firstElementChild!.addEventListener("focus", mark);
  });
}

/** A hex dump with one element per byte, so a range can be marked. */
function bytesView16(data: Uint8Array): HTMLPreElement {
  const pre = el("pre", undefined, "mono bytes");
  pre.dataset.testid = "frame-bytes";
  const frag = document.createDocumentFragment();
  for (let off = 0; off < data.length; off += 16) {
    frag.append(`${off.toString(16).padStart(8, "0")}  `);
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      const b = data[off + i];
      if (b === undefined) {
        frag.append(i === 7 ? "    " : "   ");
        continue;
      }
      const span = el("span", b.toString(16).padStart(2, "0"));
      span.dataset.o = String(off + i);
      frag.append(span, i === 7 ? "  " : " ");
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    }
    frag.append(` ${ascii}\n`);
  }
  pre.append(frag);
  return pre;
}

function markBytes(pre: HTMLElement, start: number, end: number): void {
  for (const span of pre.querySelectorAll<HTMLElement>("span[data-o]")) {
    const o = Number(span.dataset.o);
    span.classList.toggle("mark", o >= start && o < end);
  }
}

ui.packetFilter.addEventListener("input", () => {
  const words = filterWords();
  for (const li of ui.packets.querySelectorAll<HTMLElement>("li[data-i]")) li.hidden = words.length > 0 && !matches(li, words);
});

ui.packets.addEventListener("click", (ev) => {
  const li = (ev.target as HTMLElement).closest<HTMLElement>("li[data-i]");
  if (li) showFrame(Number(li.dataset.i));
});
ui.packets.addEventListener("keydown", (ev) => {
  if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
  ev.preventDefault();
  // The next shown row (the filter hides some).
  const cur = ui.packets.querySelector<HTMLElement>('li[aria-selected="true"]');
  let li = cur ?? ui.packets.querySelector<HTMLElement>("li[data-i]");
  if (cur) do li = (ev.key === "ArrowDown" ? li!.nextElementSibling : li!.previousElementSibling) as HTMLElement | null; while (li?.hidden);
  if (!li) return;
  showFrame(Number(li.dataset.i));
  li.scrollIntoView({ block: "nearest" });
});
