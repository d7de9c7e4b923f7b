// Where lwip-https's output goes: the request body read from -d (files, stdin), the
// response body written to stdout or -o with backpressure, the response head as text.
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { LmwError } from "../errors.js";
import { cliError } from "./session.js";

export type OutStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export async function readAllStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** -d values joined with "&" as curl does; "@file" reads a file, "@-" standard input. */
export async function requestBody(data: string[], stdin: NodeJS.ReadableStream | undefined): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const d of data) {
    if (!d.startsWith("@")) {
      parts.push(Buffer.from(d));
      continue;
    }
    const file = d.slice(1);
    try {
      if (file === "-") {
        if (!stdin) throw new Error("no standard input");
        parts.push(await readAllStream(stdin));
      } else {
        parts.push(await readFile(file));
      }
    } catch (e) {
      throw cliError("ERR_READ_INPUT", `cannot read ${file === "-" ? "standard input" : file} for -d: ${(e as Error).message}`, e);
    }
  }
  return Buffer.concat(parts.flatMap((p, i) => (i > 0 ? [Buffer.from("&"), p] : [p])));
}

/** Where the body goes: stdout or a file, written with backpressure. */
export class Output {
  #stream: OutStream | undefined;
  #error: Error | undefined;
  readonly #file: string | undefined;
  readonly #stdout: OutStream;

  constructor(file: string | undefined, stdout: OutStream) {
    this.#file = file;
    this.#stdout = stdout;
  }

  get isTerminal(): boolean {
    return this.#file === undefined && this.#stdout.isTTY === true;
  }

  #fail(e: unknown): LmwError {
    return cliError("ERR_WRITE_OUTPUT", `cannot write ${this.#file ?? "to stdout"}: ${(e as Error).message}`, e);
  }

  async #open(): Promise<OutStream> {
    if (this.#stream) return this.#stream;
    let stream: OutStream;
    if (this.#file === undefined) stream = this.#stdout;
    else {
      const file = createWriteStream(this.#file);
      await new Promise<void>((resolve, reject) => {
        file.once("open", () => resolve());
        file.once("error", reject);
      }).catch((e) => {
        throw this.#fail(e);
      });
      stream = file;
    }
    stream.on("error", (e: Error) => (this.#error ??= e));
    this.#stream = stream;
    return stream;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    const stream = await this.#open();
    if (this.#error) throw this.#fail(this.#error);
    if (stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        stream.off("drain", onDrain);
        stream.off("error", onError);
        stream.off("close", onClose);
        if (e) reject(this.#fail(e));
        else resolve();
      };
      const onDrain = () => done();
      const onError = (e: Error) => done(e);
      const onClose = () => done(new Error("the stream was closed"));
      stream.on("drain", onDrain);
      stream.on("error", onError);
      stream.on("close", onClose);
    });
  }

  /** Closes a file (creating it if nothing was written); flushes stdout. */
  async end(): Promise<void> {
    const stream = await this.#open();
    if (this.#error) throw this.#fail(this.#error);
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(this.#fail(e)) : resolve());
      if (this.#file !== undefined) stream.end(cb);
      else stream.write("", cb);
    });
  }

  /** Drops the file handle on failure (the partial file stays, as with curl). */
  abandon(): void {
    if (this.#file !== undefined && this.#stream) (this.#stream as NodeJS.WritableStream & { destroy(): void }).destroy();
  }
}

