// The response body: text (in its charset), hex dump, or image.
import { imageRadio, ui, viewRadios } from "../dom.js";

let bodyBytes: Uint8Array = new Uint8Array(0);
let bodyType = "";
let imageUrl: string | undefined;

const MAX_TEXT = 1 << 20;
const MAX_HEX = 64 * 1024;

function hexDump(b: Uint8Array): string {
  const rows: string[] = [];
  const n = Math.min(b.length, MAX_HEX);
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

export function showBody(): void {
  const view = viewRadios.find((r) => r.checked)?.value ?? "text";
  const isImage = bodyType.toLowerCase().startsWith("image/");
  imageRadio.disabled = !isImage;
  if (imageUrl) {
    URL.revokeObjectURL(imageUrl);
    imageUrl = undefined;
  }
  if (view === "image" && isImage) {
    imageUrl = URL.createObjectURL(new Blob([bodyBytes as Uint8Array<ArrayBuffer>], { type: bodyType }));
    ui.bodyImage.src = imageUrl;
    ui.bodyImage.hidden = false;
    ui.body.hidden = true;
    return;
  }
  ui.bodyImage.hidden = true;
  ui.bodyImage.removeAttribute("src");
  ui.body.hidden = false;
  if (view === "hex") {
    ui.body.textContent = hexDump(bodyBytes);
    return;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(bodyType));
  } catch {
    decoder = new TextDecoder();
  }
  const text = decoder.decode(bodyBytes.subarray(0, MAX_TEXT));
  ui.body.textContent = bodyBytes.length > MAX_TEXT ? `${text}\n… ${bodyBytes.length - MAX_TEXT} more bytes (see hex or the capture)` : text;
}

export function showBodyResult(bytes: Uint8Array, contentType: string): void {
  bodyBytes = bytes;
  bodyType = contentType;
  if (contentType.toLowerCase().startsWith("image/")) imageRadio.checked = true;
  else if (imageRadio.checked) viewRadios[0]!.checked = true;
  showBody();
}


export function clearBody(): void {
  bodyBytes = new Uint8Array(0);
  bodyType = "";
  showBody();
}
