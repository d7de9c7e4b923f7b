// A failed run: its code, layer and native code, the cause chain (where the relay's own
// reason shows up), a next step for the code, and for a certificate error the chain the
// server sent with ways forward: paste a CA, trust a self-signed certificate, or turn
// verification off.
import { isLmwError, summarizeCertificate, toPem, type CaptureDecoder, type CertificateSummary } from "../../../ts-bindings/src/index.browser.js";
import { el, setStatus, ui } from "../dom.js";
import { hintFor, type HintContext } from "./error-hints.js";
import { drawChain } from "./tls.js";

function nativeCode(e: { layer: string; nativeCode: number | undefined }): string {
  const n = e.nativeCode;
  if (n === undefined) return "";
  // Mbed TLS codes read best in hex (-0x2700), lwIP's err_t in decimal (-14), Wisp's in hex.
  if ((e.layer === "mbedtls" || e.layer === "x509") && n < 0) return `-0x${(-n).toString(16)}`;
  if (e.layer === "wisp" || e.layer === "shim") return `0x${n.toString(16).padStart(2, "0")}`;
  return String(n);
}

/** "code: message" for each cause below the error. */
function causes(e: unknown): string[] {
  const out: string[] = [];
  let c = (e as { cause?: unknown })?.cause;
  for (let depth = 0; c !== undefined && depth < 5; depth++) {
    if (isLmwError(c)) out.push(`${c.code} (${c.layer}${c.nativeCode !== undefined ? ` ${nativeCode(c)}` : ""}): ${c.message}`);
    else if (c instanceof Error) out.push(`${c.name}: ${c.message}`);
    else out.push(String(c));
    c = (c as { cause?: unknown })?.cause;
  }
  return out;
}

export function clearError(): void {
  ui.error.hidden = true;
  ui.errorChainBox.hidden = true;
  ui.errorActions.hidden = true;
  ui.errorChain.textContent = "";
  for (const x of [ui.errorCode, ui.errorLayer, ui.errorMessage, ui.errorCause, ui.errorHint]) x.textContent = "";
}

let topPem = "";
/** The PEM of the chain's top certificate when it is self-signed (a root the user may choose to trust). */
export function selfSignedTop(): string {
  return topPem;
}

export async function showError(e: unknown, ctx: HintContext & { capture?: CaptureDecoder }): Promise<void> {
  clearError();
  ui.error.hidden = false;
  const aborted = (isLmwError(e) && e.code === "ERR_ABORTED") || (e instanceof DOMException && e.name === "AbortError");
  setStatus("error", aborted ? "stopped" : "failed");
  let code: string;
  if (isLmwError(e)) {
    code = e.code;
    ui.errorLayer.textContent = `${e.layer}${e.nativeCode !== undefined ? ` · native ${nativeCode(e)}` : ""}`;
    ui.errorMessage.textContent = e.message;
  } else if (e instanceof Error) {
    code = aborted ? "ERR_ABORTED" : e instanceof TypeError && /URL/i.test(e.message) ? "ERR_INVALID_URL" : e.name;
    ui.errorMessage.textContent = e.message;
  } else {
    code = "Error";
    ui.errorMessage.textContent = String(e);
  }
  ui.errorCode.textContent = code;
  ui.error.dataset.code = code;
  const cs = causes(e);
  ui.errorCause.textContent = cs.length ? `cause: ${cs.join(" ← ")}` : "";
  // `…` in a hint is a command: drawn as code.
  hintFor(code, ctx).split("`").forEach((part, i) => ui.errorHint.append(i % 2 ? el("code", part) : part));

  topPem = "";
  if (/^ERR_TLS_(CERT_|HOSTNAME)/.test(code)) {
    ui.errorActions.hidden = false;
    ui.trustTop.hidden = true;
    const conns = ctx.capture?.streams.connections ?? [];
    const conn = conns.filter((c) => c.serverName === ctx.host).at(-1) ?? conns.at(-1);
    let chain: CertificateSummary[] = [];
    let why = "";
    try {
      if (conn && ctx.capture) chain = (await ctx.capture.serverCertificates(conn)).map((d) => summarizeCertificate(d));
    } catch (err) {
      why = (err as Error).message;
    }
    ui.errorChainBox.hidden = false;
    if (chain.length === 0) {
      ui.errorChain.append(el("li", `The capture holds no certificate for this connection${why ? `: ${why}` : ""}.`));
      return;
    }
    drawChain(ui.errorChain, chain.map((c) => ({ ...c, size: c.der.length })));
    const top = chain.at(-1)!;
    if (top.selfSigned) {
      topPem = toPem(top.der);
      ui.trustTop.hidden = false;
      ui.trustTop.textContent = `Trust "${top.subject}" (self-signed)`;
    }
  }
}
