// The response body, five ways: JSON pretty-printed, HTML previewed in a sandboxed frame
// (no scripts, no same-origin: shown, never run), text in its charset, a hex dump, or an
// image. The view follows the Content-Type until the user picks one.
import { ui, viewRadios } from "../dom.js";

type View = "json" | "html" | "text" | "hex" | "image";

let bodyBytes: Uint8Array = new Uint8Array(0);
let bodyType = "";
let imageUrl: string | undefined;

const MAX_TEXT = 1 << 20;
const MAX_HEX = 64 * 1024;

export function hexDump(b: Uint8Array, max = MAX_HEX): string {
  const rows: string[] = [];
  const n = Math.min(b.length, max);
  for (let off = 0; off < n; off += 16) {
    const row = b.subarray(off, Math.min(off + 16, n));
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      if (i < row.length) {
        hex += row[i]!.toString(16).padStart(2, "0") + (i === 7 ? "  " : " ");
        ascii += row[i]! >= 0x20 && row[i]! < 0x7f ? String.fromCharCode(row[i]!) : ".";
      } else {
        hex += i === 7 ? "    " : "   ";
      }
    }
    rows.push(`${off.toString(16).padStart(8, "0")}  ${hex} ${ascii}`);
  }
  if (b.length > n) rows.push(`… ${b.length - n} more bytes`);
  return rows.join("\n");
}

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType);
  return m?.[1] ?? "utf-8";
}

function text(): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(bodyType));
  } catch {
    decoder = new TextDecoder();
  }
  return decoder.decode(bodyBytes.subarray(0, MAX_TEXT));
}

/** The view a Content-Type calls for. */
function viewFor(type: string): View {
  const t = type.toLowerCase();
  if (t.startsWith("image/")) return "image";
  if (/[/+]json\b/.test(t)) return "json";
  if (t.startsWith("text/html") || t.startsWith("application/xhtml")) return "html";
  return "text";
}

function note(s: string): void {
  ui.bodyNote.textContent = s;
  ui.bodyNote.hidden = s === "";
}

export function showBody(): void {
  const view = (viewRadios.find((r) => r.checked)?.value ?? "text") as View;
  if (imageUrl) {
    URL.revokeObjectURL(imageUrl);
    imageUrl = undefined;
  }
  ui.bodyImage.hidden = view !== "image";
  ui.bodyHtml.hidden = view !== "html";
  ui.body.hidden = view === "image" || view === "html";
  ui.bodyImage.removeAttribute("src");
  ui.bodyHtml.srcdoc = "";
  note(bodyBytes.length > MAX_TEXT && view !== "hex" && view !== "image" ? `first ${MAX_TEXT} of ${bodyBytes.length} bytes shown (see hex or the capture)` : "");
  switch (view) {
    case "image":
      imageUrl = URL.createObjectURL(new Blob([bodyBytes as Uint8Array<ArrayBuffer>], { type: bodyType || "image/*" }));
      ui.bodyImage.src = imageUrl;
      return;
    case "html":
      ui.bodyHtml.srcdoc = text();
      return;
    case "hex":
      ui.body.textContent = hexDump(bodyBytes);
      return;
    case "json": {
      const t = text();
      try {
        ui.body.textContent = JSON.stringify(JSON.parse(t), null, 2);
      } catch (e) {
        note(`not valid JSON (${(e as Error).message}); shown as text`);
        ui.body.textContent = t;
      }
      return;
    }
    default:
      ui.body.textContent = text();
  }
}

export function showBodyResult(bytes: Uint8Array, contentType: string): void {
  bodyBytes = bytes;
  bodyType = contentType;
  const want = viewFor(contentType);
  for (const r of viewRadios) r.checked = r.value === want;
  showBody();
}

export function clearBody(): void {
  bodyBytes = new Uint8Array(0);
  bodyType = "";
  showBody();
}
