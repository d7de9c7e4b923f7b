// "Copy as command": the request in the form as an `lwip-https` command line (the
// package's curl-like CLI), for a POSIX shell. A pasted CA travels inline through a
// here-document, so the command needs no file next to it.
import type { RequestState } from "./state.js";

/** Single-quotes `s` for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toCommand(s: RequestState): string {
  const args = ["npx", "lwip-https"];
  if (s.client === "c") args.push("--c-client");
  else {
    if (s.follow) args.push("-L");
    const body = s.body && s.method !== "GET" && s.method !== "HEAD" ? s.body : "";
    if (s.method === "HEAD") args.push("-I");
    else if (s.method !== "GET" && !(s.method === "POST" && body)) args.push("-X", s.method);
    for (const line of s.headers.split(/\r?\n/)) if (line.trim()) args.push("-H", shellQuote(line.trim()));
    // -d sends the text as it is (POST unless -X says otherwise).
    if (body) args.push("-d", shellQuote(body));
  }
  if (!s.verify) args.push("-k");
  else if (s.ca) {
    // bash: the here-document's lines follow this one, then ")" ends the substitution.
    return `${args.join(" ")} --cacert <(cat <<'PEM'\n${s.ca.trim()}\nPEM\n) ${shellQuote(s.url)}`;
  }
  args.push(shellQuote(s.url));
  return args.join(" ");
}
