// A failed run: the error's code, layer and native code.
import { isLmwError } from "../../../ts-bindings/src/index.browser.js";
import { setStatus, ui } from "../dom.js";

export function showError(e: unknown): void {
  let text: string;
  if (isLmwError(e)) {
    // Mbed TLS codes read best in hex (-0x2700), lwIP's err_t in decimal (-14).
    const n = e.nativeCode;
    const native = n === undefined ? "" : `, ${e.layer === "mbedtls" && n < 0 ? `-0x${(-n).toString(16)}` : n}`;
    text = `${e.code} (${e.layer}${native}): ${e.message}`;
  } else if (e instanceof Error) {
    text = `${e.name}: ${e.message}`;
  } else {
    text = String(e);
  }
  ui.error.textContent = text;
  ui.error.hidden = false;
  setStatus("error", "failed");
}

