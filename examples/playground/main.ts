// The browser playground: one request through the device stack (lwIP + altcp_tls +
// Mbed TLS in WebAssembly), out through a Wisp stream to the shim, with everything the
// device saw: the response, the TLS session, a timeline, the frames on its link, and the
// lwIP / Mbed TLS debug log. Plain DOM, no framework.
//
// This file wires the page up; dom.ts holds its elements, views/ draws the results and
// run.ts makes one request.
//
// Every run gets a fresh network (two stack instances and one WebSocket), so the capture,
// the key log and the debug setting belong to that run alone; it is closed when the run
// ends, and what it recorded stays downloadable.
import * as lmw from "../../ts-bindings/src/index.browser.js";
import { BUNDLED_CA_COUNT, VERSION } from "../../ts-bindings/src/index.browser.js";
import { $, shimUrl, ui, viewRadios } from "./dom.js";
import { run } from "./run.js";
import { showBody } from "./views/body.js";

$("shim-url").textContent = shimUrl();
// For the devtools console (and test/browser/bench-download.ts): the whole library, and
// the shim URL this page uses, e.g.
//   const net = await lmw.createNetwork({ dialer: new lmw.WispDialer({ url: lmw.shimUrl() }) });
Object.assign(globalThis, { lmw: { ...lmw, shimUrl } });
$("bundled-count").textContent = `${BUNDLED_CA_COUNT} roots`;
$("version").textContent = `lwip-mbedtls-wasm ${VERSION}`;
{
  const preset = new URLSearchParams(location.search).get("url");
  if (preset) ui.url.value = preset;
}

function syncForm(): void {
  const c = ui.mode.value === "c";
  // The C client sends one fixed "GET ... Connection: close".
  if (c) ui.method.value = "GET";
  ui.method.disabled = c;
  ui.headers.disabled = c;
  ui.requestBody.disabled = c;
  ui.headersField.classList.toggle("off", c);
  ui.requestBodyField.classList.toggle("off", c);
  ui.insecureWarning.hidden = ui.verify.checked;
  ui.logSection.classList.toggle("off", !ui.debug.checked);
}
ui.mode.addEventListener("change", syncForm);
ui.verify.addEventListener("change", syncForm);
ui.debug.addEventListener("change", syncForm);
syncForm();

for (const r of viewRadios) r.addEventListener("change", showBody);

ui.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void run();
});
