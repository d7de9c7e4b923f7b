// Pico program mode's form: the program list (programs.ts, those the server has built:
// pico/index.json), each program's parameters as fields, and the mode's shareable state in
// the page's URL fragment (#mode=pico&program=…&<param>=…).
import { el, ui } from "../dom.js";
import { DEVICE_IP, PAGE_DEVICE_IP, PROGRAMS, type BundledProgram } from "./programs.js";

/** Where the built programs are, beside the page. */
export const PROGRAM_DIR = "pico/";

let built: Record<string, number> = {};

/** The ids the server has built, with their module sizes (empty when none are). */
export async function loadBuilt(): Promise<void> {
  try {
    const res = await fetch(`${PROGRAM_DIR}index.json`);
    if (res.ok) built = ((await res.json()) as { programs: Record<string, number> }).programs;
  } catch {
    built = {};
  }
  for (const o of ui.picoProgram.options) o.disabled = !(o.value in built);
  showProgram();
}

export function isBuilt(id: string): boolean {
  return id in built;
}

export function moduleSize(id: string): number | undefined {
  return built[id];
}

export function selected(): BundledProgram {
  return PROGRAMS.find((p) => p.id === ui.picoProgram.value) ?? PROGRAMS[0]!;
}

/** The parameter values in the form. */
export function paramValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of ui.picoParams.querySelectorAll<HTMLInputElement>("input[data-param]")) out[input.dataset.param!] = input.value;
  return out;
}

function showProgram(values: Record<string, string> = {}): void {
  const p = selected();
  ui.picoDescription.textContent = p.description;
  ui.picoParams.textContent = "";
  for (const param of p.params) {
    const field = el("div", undefined, "field");
    const id = `pico-param-${param.id}`;
    const label = el("label", param.label);
    label.htmlFor = id;
    if (param.help) label.append(" ", el("small", `(${param.help})`));
    const input = el("input");
    input.type = "text";
    input.id = id;
    input.spellcheck = false;
    input.dataset.param = param.id;
    input.dataset.testid = id;
    input.value = values[param.id] ?? param.default;
    field.append(label, input);
    ui.picoParams.append(field);
  }
  const ok = isBuilt(p.id);
  ui.picoMissing.hidden = ok;
  ui.picoMissing.textContent = ok ? "" : "This program is not built on this server: `npm run playground` builds the bundled programs (emcc needed).";
  ui.picoRun.disabled = !ok || ui.picoStop.disabled === false;
  const s = p.serves;
  ui.picoDevice.hidden = !s;
  if (s) {
    ui.picoPageIp.textContent = PAGE_DEVICE_IP;
    ui.picoTarget.textContent = s.scheme === "tcp" ? `${DEVICE_IP}:${s.port}` : `${s.scheme}://${DEVICE_IP}${s.port === 443 && s.scheme === "https" ? "" : `:${s.port}`}`;
    ui.picoSendLabel.textContent = s.scheme === "tcp" ? "A line to send" : "Path";
    ui.picoSend.value = s.scheme === "tcp" ? "hello from the page" : "/";
  }
  ui.picoFetchResult.hidden = true;
}

export function initForm(): void {
  for (const p of PROGRAMS) ui.picoProgram.append(new Option(p.title, p.id));
  const saved = initial;
  if (saved) ui.picoProgram.value = saved.program;
  showProgram(saved?.values);
  ui.picoProgram.addEventListener("change", () => {
    showProgram();
    saveFragment();
  });
  ui.picoParams.addEventListener("input", saveFragment);
}

/** The mode's state as a fragment: the program and the parameters that differ. */
export function saveFragment(): void {
  const p = selected();
  const q = new URLSearchParams({ mode: "pico", program: p.id });
  const values = paramValues();
  for (const param of p.params) if (values[param.id] !== undefined && values[param.id] !== param.default) q.set(param.id, values[param.id]!);
  const url = new URL(location.href);
  url.hash = `#${q}`;
  history.replaceState(null, "", url);
}

function fromFragment(): { program: string; values: Record<string, string> } | undefined {
  const q = new URLSearchParams(location.hash.slice(1));
  if (q.get("mode") !== "pico") return undefined;
  const program = PROGRAMS.find((p) => p.id === q.get("program")) ?? PROGRAMS[0]!;
  const values: Record<string, string> = {};
  for (const param of program.params) {
    const v = q.get(param.id);
    if (v !== null) values[param.id] = v;
  }
  return { program: program.id, values };
}

/** Read when this module loads, before the request form writes its own fragment. */
const initial = fromFragment();

/** Whether the page was opened in Pico program mode (#mode=pico…). */
export function startsInPicoMode(): boolean {
  return initial !== undefined;
}
