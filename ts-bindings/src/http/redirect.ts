// Following redirects as the fetch standard does: which statuses, when the method becomes
// GET and the body is dropped, which headers a new origin does not get, and the errors
// (ERR_HTTP_REDIRECT, ERR_HTTP_TOO_MANY_REDIRECTS). A response not handed out is drained
// (a little) so its connection can be reused.

import { LmwError } from "../errors.js";
import { originOf, type RequestBody } from "./request.js";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Bytes of an unwanted body read to keep its connection; past this it is closed. */
const DRAIN_LIMIT = 64 * 1024;
/** Dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type", "content-length"];
/** Not sent to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

/** Reads (a little of) a body we do not hand out, so its connection can be reused. */
export async function discard(res: Response): Promise<void> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      n += value.length;
      if (n > DRAIN_LIMIT) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the connection is gone; nothing to reuse
  }
}

/** The request as it stands between hops; `headers` is edited in place. */
export interface RedirectState {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestBody;
}

/**
 * After a response to `state`: null when it is the one to return, or the next hop's URL,
 * method and body (the response then is drained). Throws the redirect errors.
 * `redirects`: redirects followed so far.
 */
export async function nextHop(
  res: Response,
  state: RedirectState,
  mode: RequestRedirect,
  redirects: number,
  maxRedirections: number,
): Promise<{ url: URL; method: string; body: RequestBody } | null> {
  const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get("location") : null;
  if (location === null || mode === "manual") return null;
  const refuse = async (code: "ERR_HTTP_REDIRECT" | "ERR_HTTP_TOO_MANY_REDIRECTS", message: string, cause?: unknown): Promise<never> => {
    await discard(res);
    throw new LmwError(code, message, { layer: "http", cause });
  };
  if (mode === "error") return refuse("ERR_HTTP_REDIRECT", `redirect (${res.status}) to ${location} with redirect: "error"`);
  let next: URL;
  try {
    next = new URL(location, state.url);
  } catch (e) {
    return refuse("ERR_HTTP_REDIRECT", `invalid Location ${JSON.stringify(location)}`, e);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    return refuse("ERR_HTTP_REDIRECT", `redirect to unsupported scheme ${next.protocol}`);
  }
  if (redirects >= maxRedirections) return refuse("ERR_HTTP_TOO_MANY_REDIRECTS", `more than ${maxRedirections} redirects`);
  if (res.status !== 303 && state.body instanceof ReadableStream) {
    return refuse("ERR_HTTP_REDIRECT", `cannot follow a ${res.status} redirect: the streamed request body cannot be sent again`);
  }
  let { method, body } = state;
  if (((res.status === 301 || res.status === 302) && method === "POST") || (res.status === 303 && method !== "GET" && method !== "HEAD")) {
    method = "GET";
    body = null;
    for (const n of BODY_HEADERS) state.headers.delete(n);
  }
  if (originOf(next).key !== originOf(state.url).key) {
    for (const n of CREDENTIAL_HEADERS) state.headers.delete(n);
  }
  await discard(res);
  return { url: next, method, body };
}
