// lwip-https -w/--write-out: curl's format language over what a transfer measured.
// "%{name}" variables, "%header{name}" response headers, "%{stderr}"/"%{stdout}" to switch
// streams, "%%", and the escapes \n \r \t \\. An unknown variable is warned about and
// prints nothing, as in curl.
import type { Timeline } from "../http/timeline.js";

export interface TransferReport {
  /** 0 when no response came (printed as 000, as curl does). */
  status: number;
  url: string;
  redirects: number;
  sizeDownload: number;
  sizeHeader: number;
  /** The final response's head, names as the server sent them. */
  headers: Array<[string, string]>;
  /** "a.b.c.d:port" as the device saw them. */
  remote?: string;
  local?: string;
  httpVersion?: string;
  exitcode: number;
  errormsg: string;
  timeline?: Timeline;
}

function hostPort(addr: string | undefined): [string, string] {
  if (!addr) return ["", "0"];
  const colon = addr.lastIndexOf(":");
  return [addr.slice(0, colon), addr.slice(colon + 1)];
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(6);
}

function variable(name: string, r: TransferReport): string | undefined {
  const t = r.timeline;
  const [remoteIp, remotePort] = hostPort(r.remote);
  const [localIp, localPort] = hostPort(r.local);
  switch (name) {
    case "http_code":
    case "response_code": return String(r.status).padStart(3, "0");
    case "url_effective": return r.url;
    case "num_redirects": return String(r.redirects);
    case "size_download": return String(r.sizeDownload);
    case "size_header": return String(r.sizeHeader);
    case "speed_download": return String(t && t.total > 0 ? Math.round(r.sizeDownload / (t.total / 1000)) : 0);
    case "content_type": return r.headers.find(([n]) => n.toLowerCase() === "content-type")?.[1] ?? "";
    case "remote_ip": return remoteIp;
    case "remote_port": return remotePort;
    case "local_ip": return localIp;
    case "local_port": return localPort;
    case "scheme": return new URL(r.url).protocol.slice(0, -1).toUpperCase();
    case "http_version": return r.httpVersion ?? "0";
    case "exitcode": return String(r.exitcode);
    case "errormsg": return r.errormsg;
    case "time_namelookup": return seconds(t?.namelookup);
    case "time_connect": return seconds(t?.connect);
    case "time_appconnect": return seconds(t?.appconnect);
    case "time_pretransfer": return seconds(t?.pretransfer);
    case "time_starttransfer": return seconds(t?.starttransfer);
    case "time_redirect": return seconds(r.redirects > 0 ? t?.redirect : 0);
    case "time_total": return seconds(t?.total);
  }
  return undefined;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };

/** The text for stdout and for stderr, and warnings for unknown variables. */
export function formatWriteOut(format: string, r: TransferReport): { stdout: string; stderr: string; warnings: string[] } {
  const out = { stdout: "", stderr: "" };
  const warnings: string[] = [];
  let to: "stdout" | "stderr" = "stdout";
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === "\\" && i + 1 < format.length && ESCAPES[format[i + 1]!] !== undefined) {
      out[to] += ESCAPES[format[i + 1]!];
      i += 2;
      continue;
    }
    if (ch === "%" && format[i + 1] === "%") {
      out[to] += "%";
      i += 2;
      continue;
    }
    const m = ch === "%" ? /^%(\{([a-z_]+)\}|header\{([^}]+)\})/.exec(format.slice(i)) : null;
    if (!m) {
      out[to] += ch;
      i++;
      continue;
    }
    i += m[0].length;
    if (m[3] !== undefined) {
      const name = m[3].toLowerCase();
      out[to] += r.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).join(", ");
    } else if (m[2] === "stdout" || m[2] === "stderr") {
      to = m[2];
    } else {
      const value = variable(m[2]!, r);
      if (value === undefined) warnings.push(`unknown --write-out variable: '${m[2]}'`);
      else out[to] += value;
    }
  }
  return { ...out, warnings };
}
