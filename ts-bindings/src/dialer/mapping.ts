// curl's --resolve and --connect-to for every flow the device opens, TCP and UDP: a Dialer
// that rewrites the destination and hands the flow to the real one. The device and the
// router are untouched: the device still asks the router's DNS for the name (and gets a
// stand-in address for it, as for any name), still sends the name as SNI and Host; only
// where the router's dial goes changes.
//
// curl's meaning, kept exactly:
//   --connect-to HOST1:PORT1:HOST2:PORT2  a flow to HOST1:PORT1 goes to HOST2:PORT2 instead.
//       An empty HOST1 or PORT1 matches any host or port; an empty HOST2 or PORT2 keeps the
//       flow's own. The first matching rule wins. Hosts are compared as strings, without
//       case, so "127.0.0.1" only matches a flow to that literal.
//   --resolve HOST:PORT:ADDR[,ADDR...]    the name HOST on PORT is ADDR (tried in order);
//       HOST "*" is any name, used after the specific rules. It applies after --connect-to,
//       to the host and port actually connected to. A later rule for the same HOST:PORT
//       replaces an earlier one (as curl's DNS cache entries do).
// IPv6 addresses are written in brackets ("[::1]"). Names the rules know resolve for the
// device even if the real DNS does not know them; a flow to such a name on a port no rule
// covers is resolved by the real dialer, and fails as curl would (ERR_DNS_NOT_FOUND).
import { LmwError } from "../errors.js";
import type { DialedDatagrams, DialedStream, Dialer } from "./types.js";

/** --resolve HOST:PORT:ADDR[,ADDR...]; host "*" is any name. */
export interface ResolveRule {
  host: string;
  port: number;
  /** IP addresses, tried in order. */
  addresses: string[];
}

/** --connect-to HOST1:PORT1:HOST2:PORT2; an absent field is curl's empty one. */
export interface ConnectToRule {
  /** Absent: any host. */
  host?: string;
  /** Absent: any port. */
  port?: number;
  /** Absent: the flow's own host. */
  toHost?: string;
  /** Absent: the flow's own port. */
  toPort?: number;
}

export interface MappingOptions {
  /** Strings in curl's syntax ("example.com:443:127.0.0.1") or parsed rules. */
  resolve?: ReadonlyArray<string | ResolveRule>;
  /** Strings in curl's syntax ("example.com:443:localhost:8443") or parsed rules. */
  connectTo?: ReadonlyArray<string | ConnectToRule>;
}

type Target = { host: string; port: number };

function bad(option: string, text: string, why: string): LmwError {
  return new LmwError("ERR_INVALID_ARG", `${option} ${JSON.stringify(text)}: ${why}`, { layer: "api" });
}

/** Splits "a:b:[::1]:d" on the colons outside brackets. */
function fields(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of text) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    if (ch === ":" && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function portOf(text: string, option: string, whole: string, allowEmpty: boolean): number | undefined {
  if (text === "" && allowEmpty) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw bad(option, whole, `port ${JSON.stringify(text)} is not 1-65535`);
  return Number(text);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

function resolveRule(host: string, port: string, addresses: string[], option: string, text: string): ResolveRule {
  if (host === "") throw bad(option, text, "no host");
  if (addresses.length === 0) throw bad(option, text, "no address");
  const bare = addresses.map((a) => unbracket(a.trim()));
  for (const a of bare) {
    if (!IPV4.test(a) && !(a.includes(":") && IPV6.test(a))) throw bad(option, text, `${JSON.stringify(a)} is not an IP address`);
  }
  return { host: host.toLowerCase(), port: portOf(port, option, text, false)!, addresses: bare };
}

/** Parses curl's --resolve syntax. A leading "+" (curl's "expire later") is accepted. */
export function parseResolve(text: string): ResolveRule {
  const body = text.startsWith("+") ? text.slice(1) : text;
  if (body.startsWith("-")) throw bad("--resolve", text, "removing entries (-HOST:PORT) has no meaning here: there is no DNS cache to remove from");
  const f = fields(body);
  if (f.length !== 3) throw bad("--resolve", text, "want HOST:PORT:ADDRESS[,ADDRESS...]");
  return resolveRule(f[0]!, f[1]!, f[2]!.split(","), "--resolve", text);
}

function connectToRule(host: string, port: string, toHost: string, toPort: string, option: string, text: string): ConnectToRule {
  const rule: ConnectToRule = {};
  if (host !== "") rule.host = unbracket(host).toLowerCase();
  const p = portOf(port, option, text, true);
  if (p !== undefined) rule.port = p;
  if (toHost !== "") rule.toHost = unbracket(toHost);
  const tp = portOf(toPort, option, text, true);
  if (tp !== undefined) rule.toPort = tp;
  return rule;
}

/** Parses curl's --connect-to syntax. */
export function parseConnectTo(text: string): ConnectToRule {
  const f = fields(text);
  if (f.length !== 4) throw bad("--connect-to", text, "want HOST1:PORT1:HOST2:PORT2 (any field may be empty)");
  return connectToRule(f[0]!, f[1]!, f[2]!, f[3]!, "--connect-to", text);
}

function toResolveRule(r: string | ResolveRule): ResolveRule {
  if (typeof r === "string") return parseResolve(r);
  return resolveRule(String(r.host ?? ""), String(r.port), Array.isArray(r.addresses) ? r.addresses.map(String) : [], "resolve", JSON.stringify(r));
}

function toConnectToRule(r: string | ConnectToRule): ConnectToRule {
  if (typeof r === "string") return parseConnectTo(r);
  const text = JSON.stringify(r);
  if ((r.host !== undefined && r.host === "") || (r.toHost !== undefined && r.toHost === "")) throw bad("connectTo", text, "an empty host: leave it out instead");
  return connectToRule(r.host ?? "", r.port === undefined ? "" : String(r.port), r.toHost ?? "", r.toPort === undefined ? "" : String(r.toPort), "connectTo", text);
}

/** True if the options hold any rule. */
export function hasMappings(options: MappingOptions): boolean {
  return (options.resolve?.length ?? 0) > 0 || (options.connectTo?.length ?? 0) > 0;
}

/** A Dialer that applies --connect-to, then --resolve, then dials through `inner`. */
export class MappingDialer implements Dialer {
  readonly #inner: Dialer & { resolve?(name: string): Promise<boolean> };
  readonly #connectTo: ConnectToRule[];
  /** "host:port" -> addresses; "*:port" for the wildcard. */
  readonly #resolve = new Map<string, string[]>();

  constructor(inner: Dialer, options: MappingOptions) {
    this.#inner = inner;
    this.#connectTo = (options.connectTo ?? []).map(toConnectToRule);
    for (const r of options.resolve ?? []) {
      const rule = toResolveRule(r);
      this.#resolve.set(`${rule.host}:${rule.port}`, rule.addresses);
    }
  }

  /** Where a flow to `target` goes: the host or addresses to dial, and the port. */
  map(target: Target): { hosts: string[]; port: number } {
    const name = target.host.toLowerCase();
    let host = target.host;
    let port = target.port;
    const rule = this.#connectTo.find((r) => (r.host === undefined || r.host === name) && (r.port === undefined || r.port === port));
    if (rule) {
      host = rule.toHost ?? host;
      port = rule.toPort ?? port;
    }
    const key = host.toLowerCase();
    const addresses = this.#resolve.get(`${key}:${port}`) ?? this.#resolve.get(`*:${port}`);
    return { hosts: addresses ?? [host], port };
  }

  /** The router's DNS asks: names a rule covers resolve, whatever the real DNS says. */
  async resolve(name: string): Promise<boolean> {
    const key = name.toLowerCase();
    if (this.#connectTo.some((r) => r.host === undefined || r.host === key)) return true;
    for (const k of this.#resolve.keys()) if (k.startsWith("*:") || k.slice(0, k.lastIndexOf(":")) === key) return true;
    return this.#inner.resolve ? this.#inner.resolve(name) : true;
  }

  async #each<T>(target: Target, dial: (t: Target) => Promise<T>): Promise<T> {
    const { hosts, port } = this.map(target);
    let last: unknown;
    for (const host of hosts) {
      try {
        return await dial({ host, port });
      } catch (e) {
        last = e;
        if (e instanceof LmwError && e.code === "ERR_ABORTED") break;
      }
    }
    throw last;
  }

  dialTcp(target: Target, options?: { signal?: AbortSignal }): Promise<DialedStream> {
    return this.#each(target, (t) => this.#inner.dialTcp(t, options));
  }

  get dialUdp(): ((target: Target, options?: { signal?: AbortSignal }) => Promise<DialedDatagrams>) | undefined {
    const inner = this.#inner;
    if (!inner.dialUdp) return undefined;
    return (target, options) => this.#each(target, (t) => inner.dialUdp!.call(inner, t, options));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
