// The one place where the TypeScript side allocates and frees WASM memory. Every
// allocation is a disposable (`using` works), strings are NUL-terminated UTF-8, and
// bytes cross the boundary in bulk copies of bounded chunks, never a call per byte.
import type { LmwModule } from "./module.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A block of WASM memory owned by the TypeScript side. */
export class Allocation implements Disposable {
  #mem: Memory;
  #ptr: number;
  readonly size: number;

  constructor(mem: Memory, ptr: number, size: number) {
    this.#mem = mem;
    this.#ptr = ptr;
    this.size = size;
  }

  get ptr(): number {
    if (this.#ptr === 0) throw new Error("allocation used after free");
    return this.#ptr;
  }

  /** A view of the bytes (valid until the heap grows: use it at once). */
  view(length = this.size): Uint8Array {
    return this.#mem.mod.HEAPU8.subarray(this.ptr, this.ptr + length);
  }

  /** The u32 / i32 stored at byte offset `offset` (out-parameters). */
  u32(offset = 0): number {
    return this.#mem.mod.HEAPU32[(this.ptr + offset) >>> 2]!;
  }
  i32(offset = 0): number {
    return this.#mem.mod.HEAP32[(this.ptr + offset) >>> 2]!;
  }

  free(): void {
    if (this.#ptr !== 0) {
      this.#mem.mod._free(this.#ptr);
      this.#ptr = 0;
    }
  }

  [Symbol.dispose](): void {
    this.free();
  }
}

export class Memory {
  readonly mod: LmwModule;

  constructor(mod: LmwModule) {
    this.mod = mod;
  }

  /** Zeroed memory (out-parameters read back as 0 if the C side did not write them). */
  alloc(size: number): Allocation {
    const a = this.#malloc(size);
    this.mod.HEAPU8.fill(0, a.ptr, a.ptr + Math.max(1, size));
    return a;
  }

  #malloc(size: number): Allocation {
    const ptr = this.mod._malloc(Math.max(1, size));
    if (ptr === 0) throw new RangeError(`WASM heap exhausted allocating ${size} bytes`);
    return new Allocation(this, ptr, size);
  }

  #scratch: Allocation | undefined;

  /** A reusable buffer of at least `size` bytes (not zeroed) and an 8-byte slot for an
   *  out-parameter, for one call that completes synchronously: valid until the next
   *  scratch(). Saves a malloc, a fill and a free per chunk on the data paths. */
  scratch(size: number): { data: number; out: number } {
    if (!this.#scratch || this.#scratch.size < size + 8) {
      this.#scratch?.free();
      this.#scratch = this.#malloc(Math.max(size + 8, 64 * 1024 + 8));
    }
    return { out: this.#scratch.ptr, data: this.#scratch.ptr + 8 };
  }

  /** The u32 at `ptr` (an out-parameter). */
  u32(ptr: number): number {
    return this.mod.HEAPU32[ptr >>> 2]!;
  }

  /** A copy of `bytes` in WASM memory. */
  bytes(bytes: Uint8Array): Allocation {
    const a = this.#malloc(bytes.length);
    this.mod.HEAPU8.set(bytes, a.ptr);
    return a;
  }

  /** A NUL-terminated UTF-8 copy of `text`. */
  cstring(text: string): Allocation {
    const encoded = encoder.encode(text);
    if (encoded.includes(0)) throw new TypeError("string contains a NUL character");
    const a = this.#malloc(encoded.length + 1);
    this.mod.HEAPU8.set(encoded, a.ptr);
    this.mod.HEAPU8[a.ptr + encoded.length] = 0;
    return a;
  }

  /** Reads the NUL-terminated UTF-8 string at `ptr`. */
  readCString(ptr: number, max = 1 << 20): string {
    const heap = this.mod.HEAPU8;
    let end = ptr;
    while (end < ptr + max && heap[end] !== 0) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }

  /** Copies `length` bytes at `ptr` out of WASM memory. */
  copyOut(ptr: number, length: number): Uint8Array {
    return this.mod.HEAPU8.slice(ptr, ptr + length);
  }
}
