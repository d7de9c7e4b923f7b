// The browser playground: one request through the device stack (lwIP + altcp_tls +
// Mbed TLS in WebAssembly), out through a Wisp stream to the relay, with everything the
// device saw, laid out like a browser's Network panel: the request on the left; on the
// right the response (body views, headers, every hop's timeline, TLS, the packets with
// their layers and decrypted TLS records, the debug log). Plain DOM, no framework.
//
// This file wires the page up; dom.ts holds its elements, state.ts the shareable state
// and presets, command.ts the copy-as-command, views/ draws the results and run.ts makes
// one request.
import * as lmw from "../../ts-bindings/src/index.browser.js";
import { BUNDLED_CA_COUNT, VERSION } from "../../ts-bindings/src/index.browser.js";
import { toCommand } from "./command.js";
import { $, selectTab, shimUrl, ui, viewRadios } from "./dom.js";
import { initForm, loadBuilt, saveFragment, startsInPicoMode } from "./pico/form.js";
import { fetchFromDevice, runPico, sendLine, stopPico } from "./pico/run.js";
import { run, stop } from "./run.js";
import { PRESETS, fromLocation, readForm, saveToLocation, shareLink, writeForm } from "./state.js";
import { showBody } from "./views/body.js";
import { selfSignedTop } from "./views/error.js";

$("shim-url").textContent = shimUrl();
// For the devtools console (and test/browser/bench-download.ts): the whole library, and
// the relay URL this page uses, e.g.
//   const net = await lmw.createNetwork({ dialer: new lmw.WispDialer({ url: lmw.shimUrl() }) });
Object.assign(globalThis, { lmw: { ...lmw, shimUrl } });
$("bundled-count").textContent = `${BUNDLED_CA_COUNT} roots`;
$("version").textContent = `lwip-mbedtls-wasm ${VERSION}`;

// ---- the request form ------------------------------------------------------------------

PRESETS.forEach((p, i) => ui.preset.append(new Option(p.name, String(i))));
ui.preset.addEventListener("change", () => {
  const p = PRESETS[Number(ui.preset.value)];
  if (!p) return;
  // A preset keeps the pasted CA: it is about the servers, not the request.
  writeForm({ ...p.state, ca: ui.ca.value });
  ui.preset.value = "";
  syncForm();
});

const saved = fromLocation();
if (saved) writeForm(saved);

function syncForm(): void {
  const c = ui.client.value === "c";
  // The C client sends one fixed "GET ... Connection: close".
  if (c) ui.method.value = "GET";
  ui.method.disabled = c;
  ui.headers.disabled = c;
  ui.requestBody.disabled = c;
  ui.follow.disabled = c;
  ui.headersField.classList.toggle("off", c);
  ui.requestBodyField.classList.toggle("off", c);
  ui.insecureWarning.hidden = ui.verify.checked;
  ui.logOff.hidden = ui.debug.checked;
  const certs = ui.ca.value.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  ui.caState.textContent = certs ? `${certs} pasted` : "bundled roots";
  saveToLocation();
}
ui.form.addEventListener("input", syncForm);
ui.form.addEventListener("change", syncForm);
syncForm();

ui.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void run();
});
ui.stop.addEventListener("click", stop);

async function copy(text: string, what: string): Promise<void> {
  ui.command.hidden = false;
  ui.command.textContent = text;
  try {
    await navigator.clipboard.writeText(text);
    ui.command.dataset.note = `${what} copied`;
  } catch {
    // No clipboard (insecure context, or permission refused): the text is shown to copy by hand.
    ui.command.dataset.note = `${what} (select and copy)`;
  }
}
ui.copyCommand.addEventListener("click", () => void copy(toCommand(readForm()), "command"));
ui.copyLink.addEventListener("click", () => void copy(shareLink(), "link"));

// ---- panes and tabs ------------------------------------------------------------------

for (const b of document.querySelectorAll<HTMLButtonElement>('[role="tab"][data-tab]')) {
  b.addEventListener("click", () => selectTab("tab", b.dataset.tab!));
}
// On a phone the two panes are tabs (style.css); on a wide screen both are shown.
for (const b of document.querySelectorAll<HTMLButtonElement>('[role="tab"][data-pane]')) {
  b.addEventListener("click", () => selectTab("pane", b.dataset.pane!));
}
for (const r of viewRadios) r.addEventListener("change", showBody);
// Arrow keys move along a tab list (the WAI-ARIA tabs pattern).
for (const list of document.querySelectorAll<HTMLElement>('[role="tablist"]')) {
  list.addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
    const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]:not(:disabled)')];
    const i = tabs.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const next = tabs[(i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]!;
    next.focus();
    next.click();
  });
}

// ---- modes ----------------------------------------------------------------------------
// "HTTP request" is the page above. "Pico program" (pico/) runs a bundled Pico W program:
// its own form on the left, a Terminal tab (stdout, stdin) and the LED on the right, and
// the same Packets and Log tabs and downloads.
type Mode = "http" | "pico";
function setMode(mode: Mode): void {
  document.body.dataset.mode = mode;
  for (const b of document.querySelectorAll<HTMLButtonElement>(".modes [role=tab]")) {
    b.setAttribute("aria-selected", String(b.id === `mode-${mode}`));
  }
  const tab = document.querySelector<HTMLElement>('[role="tab"][data-tab][aria-selected="true"]')?.dataset.tab;
  if (mode === "pico") {
    if (tab !== "packets" && tab !== "log") selectTab("tab", "terminal");
    saveFragment();
  } else {
    if (tab === "terminal") selectTab("tab", "body");
    saveToLocation();
  }
}
for (const m of ["http", "pico"] as const) $(`mode-${m}`).addEventListener("click", () => setMode(m));
initForm();
setMode(startsInPicoMode() ? "pico" : "http");
void loadBuilt();

ui.picoForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void runPico();
});
ui.picoStop.addEventListener("click", stopPico);
ui.picoFetch.addEventListener("click", () => void fetchFromDevice());
ui.terminalForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  sendLine();
});

// ---- ways forward from a certificate error --------------------------------------------

ui.trustRoot.addEventListener("click", () => {
  selectTab("pane", "request");
  ui.caDetails.open = true;
  ui.ca.focus();
});
ui.trustTop.addEventListener("click", () => {
  const pem = selfSignedTop();
  if (!pem) return;
  ui.ca.value = `${ui.ca.value.trim()}\n${pem}`.trim() + "\n";
  ui.caDetails.open = true;
  syncForm();
  void run();
});
ui.skipVerify.addEventListener("click", () => {
  ui.verify.checked = false;
  syncForm();
  selectTab("pane", "request");
  ui.verify.focus();
});
