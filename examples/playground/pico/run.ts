// One run of a bundled Pico program in the page: a fresh network (the router, and this
// page's own lwIP device at PAGE_DEVICE_IP beside the program), flows out through the Wisp
// relay with the program's --connect-to rule, the program's module run by runPicoModule.
// Its stdout fills the terminal as it prints, the terminal's input line is its stdin, its
// LED is drawn, every frame of the LAN goes to the packet view and the capture. A server
// program is reached from the page's device ("Fetch from device") while it runs.
import { PicoInput, WispDialer, concatBytes, createNetwork, runPicoModule, type Network } from "../../../ts-bindings/src/index.browser.js";
import { el, selectTab, setStatus, shimUrl, ui } from "../dom.js";
import { startRecording } from "../recording.js";
import { showError } from "../views/error.js";
import { log } from "../views/log.js";
import { formatBytes } from "../../../ts-bindings/src/cli/progress.js";
import { resetResults } from "../views/response.js";
import { PROGRAM_DIR, moduleSize, paramValues, saveFragment, selected } from "./form.js";
import { DEVICE_IP, PAGE_DEVICE_IP, runSettings, type BundledProgram } from "./programs.js";

/** The terminal keeps this much of the output; older text goes. */
const MAX_TERMINAL_CHARS = 256 * 1024;

interface Running {
  program: BundledProgram;
  controller: AbortController;
  network?: Network;
  stdin: PicoInput;
}

let running: Running | undefined;
let caPem: Promise<string | undefined> | undefined;

/** The test CA the server programs' certificates are signed by (served as pico/ca.pem). */
function serverCa(): Promise<string | undefined> {
  caPem ??= fetch(`${PROGRAM_DIR}ca.pem`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
  return caPem;
}

let terminalChars = 0;

function print(text: string, className?: string): void {
  const t = ui.terminal;
  const stick = t.scrollTop + t.clientHeight >= t.scrollHeight - 4;
  if (className) t.append(el("span", text, className));
  else t.append(text);
  terminalChars += text.length;
  while (terminalChars > MAX_TERMINAL_CHARS && t.firstChild) {
    terminalChars -= t.firstChild.textContent?.length ?? 0;
    t.firstChild.remove();
  }
  if (stick) t.scrollTop = t.scrollHeight;
}

function setLed(on: boolean): void {
  ui.picoLed.dataset.on = String(on);
  ui.picoLed.setAttribute("aria-label", `Wi-Fi LED ${on ? "on" : "off"}`);
}

export function stopPico(): void {
  running?.controller.abort();
}

export async function runPico(): Promise<void> {
  if (running) return;
  const program = selected();
  const controller = new AbortController();
  const run: Running = { program, controller, stdin: new PicoInput() };
  running = run;
  saveFragment();
  ui.picoRun.disabled = true;
  ui.picoStop.disabled = false;
  ui.app.dataset.state = "running";
  resetResults();
  ui.picoProgram.disabled = true;
  ui.terminal.textContent = "";
  terminalChars = 0;
  delete ui.terminal.dataset.exit;
  setLed(false);
  selectTab("pane", "response");
  selectTab("tab", "terminal");
  setStatus("running", `starting ${program.title}…`);
  const size = moduleSize(program.id);
  ui.summary.textContent = size ? `${program.id}.wasm · ${formatBytes(size)}` : "";

  const rec = startRecording((e) => e.source === "assert");
  let failed = false;
  try {
    const settings = runSettings(program, paramValues());
    const ca = program.serves?.scheme === "https" ? await serverCa() : undefined;
    run.network = await createNetwork({
      dialer: new WispDialer({ url: shimUrl() }),
      device: { ip: PAGE_DEVICE_IP },
      connectTo: settings.connectTo,
      tls: { ca, keylog: true },
      onFrame: rec.onFrame,
      onLog: rec.onLog,
    });
    if (settings.connectTo.length) print(`# --connect-to ${settings.connectTo.join(" ")}\n`, "exit");
    ui.terminalInput.disabled = false;
    ui.picoFetch.disabled = false;
    const t0 = performance.now();
    const exit = await runPicoModule(run.network, { glueUrl: `${PROGRAM_DIR}${program.id}.js`, wasm: `${PROGRAM_DIR}${program.id}.wasm` }, {
      ssid: settings.ssid,
      password: settings.password,
      stdin: run.stdin,
      onStart: () => {
        // Fetching, compiling and instantiating the module took this.
        ui.app.dataset.msToMain = (performance.now() - t0).toFixed(0);
        setStatus("running", `${program.title} running`);
      },
      stdout: (text) => print(text),
      stderr: (text) => log.add(`program stderr: ${text.replace(/\n$/, "")}`),
      onLed: setLed,
      onKeyLog: rec.addKeyLogLine, // the program's own TLS connections, decrypted too
      signal: controller.signal,
    });
    ui.terminal.dataset.exit = String(exit.exitCode);
    print(`\n[main returned ${exit.exitCode}]\n`, "exit");
    setStatus(exit.exitCode === 0 ? "done" : "error", `exited with ${exit.exitCode}`);
  } catch (e) {
    failed = true;
    // Stopped: the board is off, and so is its LED.
    if (controller.signal.aborted) setLed(false);
    await showError(e, { host: program.dials?.host ?? DEVICE_IP, port: String(program.dials?.port ?? ""), relay: shimUrl(), capture: rec.capture });
    print(`\n[${(e as { code?: string }).code ?? "error"}]\n`, "exit");
    console.error(e);
  } finally {
    ui.terminalInput.disabled = true;
    ui.picoFetch.disabled = true;
    await run.network?.close().catch((e: unknown) => console.warn("closing the network:", e));
    rec.finish(`pico-${program.id}.pcap`);
    running = undefined;
    ui.picoProgram.disabled = false;
    ui.picoRun.disabled = false;
    ui.picoStop.disabled = true;
    ui.app.dataset.state = failed ? "error" : "done";
  }
}

/** The terminal's input line: sent with a newline to the program's stdin, and echoed. */
export function sendLine(): void {
  const line = ui.terminalInput.value;
  if (!running) return;
  ui.terminalInput.value = "";
  print(`${line}\n`, "stdin");
  running.stdin.write(`${line}\n`);
}

/** Reaches the running server program from the page's own device: an HTTP(S) GET of the
 *  path, or a TCP line sent and its echo read back. Shows what came back. */
export async function fetchFromDevice(): Promise<void> {
  const net = running?.network;
  const s = running?.program.serves;
  if (!net || !s) return;
  const out = ui.picoFetchResult;
  out.hidden = false;
  out.dataset.state = "running";
  out.textContent = "connecting…";
  const signal = AbortSignal.any([running!.controller.signal, AbortSignal.timeout(30_000)]);
  try {
    if (s.scheme === "tcp") {
      const socket = await net.connectTcp({ host: DEVICE_IP, port: s.port, signal });
      const line = new TextEncoder().encode(`${ui.picoSend.value}\n`);
      const writer = socket.writable.getWriter();
      await writer.write(line);
      const reader = socket.readable.getReader();
      const got: Uint8Array[] = [];
      let n = 0;
      while (n < line.length) {
        const { done, value } = await reader.read();
        if (done) break;
        got.push(value);
        n += value.length;
      }
      reader.releaseLock();
      writer.releaseLock();
      await socket.close();
      out.textContent = `sent ${line.length} bytes to ${DEVICE_IP}:${s.port}, got back ${n}:\n${new TextDecoder().decode(concatBytes(got))}`;
    } else {
      const url = `${s.scheme}://${DEVICE_IP}:${s.port}${ui.picoSend.value.startsWith("/") ? "" : "/"}${ui.picoSend.value}`;
      const res = await net.fetch(url, { signal });
      const body = await res.text();
      out.textContent = `GET ${url}\n${res.status} ${res.statusText}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body}`;
    }
    out.dataset.state = "done";
  } catch (e) {
    out.dataset.state = "error";
    out.textContent = `${(e as { code?: string }).code ?? (e as Error).name}: ${(e as Error).message}`;
  }
}
