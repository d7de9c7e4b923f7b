// Content-Encoding decoding with the web platform's DecompressionStream (browser-safe).
// gzip / x-gzip, and deflate both as RFC 9110 says (zlib-wrapped) and as some servers
// send it (raw DEFLATE): the first two bytes tell which.

import { concatBytes } from "../bytes.js";
import { LmwError } from "../errors.js";

const NO_ERROR = Symbol("no error");

/** The codings we can undo, in the order they were applied; null if any is unknown. */
export function parseContentEncoding(value: string | null): string[] | null {
  if (value === null) return [];
  const codings = value
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  for (const c of codings) if (c !== "gzip" && c !== "x-gzip" && c !== "deflate") return null;
  return codings;
}

function decompressor(format: "gzip" | "deflate" | "deflate-raw"): ReadableWritablePair<Uint8Array, Uint8Array> {
  // The DOM typings pin ArrayBuffer-backed chunks; ours are plain Uint8Arrays.
  return new DecompressionStream(format as CompressionFormat) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
}

function isZlibHeader(b: Uint8Array): boolean {
  // CMF: method 8 (deflate) in the low nibble; (CMF*256 + FLG) divisible by 31 (RFC 1950).
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && (b[0]! >> 4) <= 7 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

function deflateAuto(src: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  let inner: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (inner === null) {
          let first: Uint8Array = new Uint8Array(0);
          while (first.length < 2) {
            const r = await reader.read();
            if (r.done) break;
            first = concatBytes([first, r.value]);
          }
          const format = isZlibHeader(first) ? "deflate" : "deflate-raw";
          let sentFirst = false;
          const prefixed = new ReadableStream<Uint8Array>(
            {
              async pull(c) {
                if (!sentFirst) {
                  sentFirst = true;
                  if (first.length > 0) {
                    c.enqueue(first);
                    return;
                  }
                }
                const r = await reader.read();
                if (r.done) c.close();
                else c.enqueue(r.value);
              },
              cancel: (reason) => reader.cancel(reason),
            },
            { highWaterMark: 0 },
          );
          inner = prefixed.pipeThrough(decompressor(format)).getReader();
        }
        const r = await inner.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: (reason) => (inner ? inner.cancel(reason) : reader.cancel(reason)),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Decodes `body` according to `codings` (as returned by parseContentEncoding). Errors of
 * the source stream (abort, reset, timeouts) come through unchanged; a failure of the
 * decoder itself becomes ERR_HTTP_DECODE.
 */
export function decodeBody(body: ReadableStream<Uint8Array>, codings: string[]): ReadableStream<Uint8Array> {
  if (codings.length === 0) return body;
  const srcReader = body.getReader();
  let sourceError: unknown = NO_ERROR;
  let stream = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const r = await srcReader.read();
          if (r.done) c.close();
          else c.enqueue(r.value);
        } catch (e) {
          sourceError = e;
          throw e;
        }
      },
      cancel: (reason) => srcReader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  for (const coding of [...codings].reverse()) {
    stream = coding === "deflate" ? deflateAuto(stream) : stream.pipeThrough(decompressor("gzip"));
  }
  const decoded = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await decoded.read();
        } catch (e) {
          if (sourceError !== NO_ERROR) throw sourceError;
          const err = new LmwError("ERR_HTTP_DECODE", `cannot decode the response body (Content-Encoding: ${codings.join(", ")}): ${(e as Error)?.message ?? e}`, {
            layer: "http",
            cause: e,
          });
          void srcReader.cancel(err).catch(() => {});
          throw err;
        }
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      cancel: (reason) => decoded.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
