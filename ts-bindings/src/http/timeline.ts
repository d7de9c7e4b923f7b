// A response's timeline, built once for every caller (lwip-https -v and -w, examples/main.ts,
// the playground): from fetch's FetchTiming and the SocketInfo.timing of the connection the
// response came over. Two views of the same marks: curl's -w times (each from the start),
// and consecutive phases for drawing.
import type { SocketInfo } from "../device/socket-types.js";
import type { FetchTiming } from "./fetch.js";

export type PhaseName = "dns" | "tcp" | "tls" | "reused" | "wait" | "download";

export interface TimelinePhase {
  name: PhaseName;
  /** For people: "DNS", "TCP connect", "TLS handshake", ... */
  label: string;
  /** performance.now() marks. */
  start: number;
  end: number;
}

export interface Timeline {
  /** performance.now() of the start: the caller's (before the fetch call, so redirects
   *  count, as in curl), or the connection's start. */
  start: number;
  /** curl's -w times in ms from `start`; undefined when that step did not happen (a
   *  kept-alive connection has no DNS, TCP or TLS; plain HTTP has no TLS). */
  namelookup?: number;
  connect?: number;
  appconnect?: number;
  /** The request was about to be sent (the connection was ready). */
  pretransfer: number;
  /** The first response byte. */
  starttransfer: number;
  total: number;
  /** The time spent on redirects before the final request (curl's time_redirect). */
  redirect: number;
  /** The request went over a kept-alive connection. */
  reused: boolean;
  /** In order, each starting where the one before ended. */
  phases: TimelinePhase[];
}

/**
 * The timeline of a finished response: `timing` from fetch's onTiming, `info` from
 * socketInfoOf(response), `start` the caller's own start mark if it has one.
 * A response whose body is not read to the end has no end mark: `end` (default now) stands in.
 */
export function responseTimeline(timing: FetchTiming, info?: SocketInfo, start?: number, end = performance.now()): Timeline {
  const c = timing.reused ? undefined : info?.timing;
  const connStart = c?.start ?? timing.connectStart;
  const t0 = Math.min(start ?? connStart, connStart);
  const finish = timing.end || end;
  const firstByte = timing.firstByte || finish;
  const phases: TimelinePhase[] = [];
  if (c) {
    phases.push({ name: "dns", label: "DNS", start: c.start, end: c.resolved });
    phases.push({ name: "tcp", label: "TCP connect", start: c.resolved, end: c.tcpConnected });
    if (info?.tls) phases.push({ name: "tls", label: "TLS handshake", start: c.tcpConnected, end: c.opened });
  } else {
    phases.push({ name: "reused", label: "kept-alive connection", start: timing.connectStart, end: timing.connected });
  }
  // From the connection being ready (fetch's own hand-over from the pool is counted here).
  phases.push({ name: "wait", label: "request -> first byte", start: phases[phases.length - 1]!.end, end: firstByte });
  phases.push({ name: "download", label: "download", start: firstByte, end: finish });
  const at = (mark: number | undefined) => (mark === undefined ? undefined : mark - t0);
  return {
    start: t0,
    namelookup: at(c?.resolved),
    connect: at(c?.tcpConnected),
    appconnect: info?.tls ? at(c?.opened) : undefined,
    pretransfer: timing.connected - t0,
    starttransfer: firstByte - t0,
    total: finish - t0,
    redirect: Math.max(0, connStart - t0),
    reused: timing.reused,
    phases,
  };
}
