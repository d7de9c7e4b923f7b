// HTTP over any byte-socket connector: WHATWG fetch, and the response parser under it.
export { createFetch, socketInfoOf } from "./fetch.js";
export type { ExtraInit, FetchClient, RequestConnection, FetchOptions, FetchTiming, LmwFetch } from "./fetch.js";
export type { Connector, ConnectOptions } from "./pool.js";
export { ResponseParser } from "./parser.js";
export type { BodyFraming, HeaderList, ParseEvent, ParserLimits, ResponseHead } from "./parser.js";
export { decodeBody, parseContentEncoding } from "./decode.js";
export { responseTimeline } from "./timeline.js";
export type { PhaseName, Timeline, TimelinePhase } from "./timeline.js";
