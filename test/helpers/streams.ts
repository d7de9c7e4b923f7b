// Reading web streams in tests.
import { concatBytes } from "../../ts-bindings/src/bytes.js";

/** Reads a web ReadableStream to its end, or until at least `limit` bytes came; the
 *  reader's lock is released either way. */
export async function readAll(readable: ReadableStream<Uint8Array>, limit = Infinity): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = readable.getReader();
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks);
}
