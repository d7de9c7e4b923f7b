// UDP sockets of a stack: datagrams out with send(), in through a readable stream.
import { LmwError } from "../errors.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import { lwipErrorName } from "../ffi/native-errors.js";
import type { Stack } from "./stack.js";

export interface Datagram {
  data: Uint8Array;
  /** The sender, "a.b.c.d:port". */
  from: string;
}

const MAX_DATAGRAM = 65507;

export class StackUdpSocket implements Disposable {
  readonly stack: Stack;
  readonly readable: ReadableStream<Datagram>;
  #ptr: number;
  #id: number;
  #controller!: ReadableStreamDefaultController<Datagram>;

  constructor(stack: Stack) {
    this.stack = stack;
    this.readable = new ReadableStream<Datagram>({
      start: (c) => {
        this.#controller = c;
      },
      cancel: () => this.close(),
    });
    this.#id = stack.register((kind) => {
      if (kind === LmwEvent.READABLE) this.#drain();
    });
    using out = stack.mem.alloc(4);
    const err = stack.mod._lmw_udp_new(this.#id, out.ptr);
    if (err !== 0) {
      stack.unregister(this.#id);
      throw new LmwError("ERR_UDP", `cannot open a UDP socket: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err });
    }
    this.#ptr = out.u32();
    stack.retain();
  }

  #drain(): void {
    const { mem, mod } = this.stack;
    while (this.#ptr !== 0) {
      using buf = mem.alloc(MAX_DATAGRAM);
      using n = mem.alloc(4);
      using from = mem.alloc(32);
      if (mod._lmw_udp_recv(this.#ptr, buf.ptr, MAX_DATAGRAM, n.ptr, from.ptr, 32) !== 0) return;
      try {
        this.#controller.enqueue({ data: mem.copyOut(buf.ptr, Math.min(n.u32(), MAX_DATAGRAM)), from: mem.readCString(from.ptr) });
      } catch {
        return; // closed
      }
    }
  }

  /** Sends one datagram to an IPv4 address. */
  send(data: Uint8Array, ip: string, port: number): void {
    if (this.#ptr === 0) throw new LmwError("ERR_SOCKET_CLOSED", "send on a closed UDP socket", { layer: "api" });
    const { mem, mod } = this.stack;
    using d = mem.bytes(data);
    using a = mem.cstring(ip);
    const err = mod._lmw_udp_send(this.#ptr, a.ptr, port, d.ptr, data.length);
    this.stack.kick();
    if (err !== 0) throw new LmwError("ERR_UDP_SEND", `cannot send to ${ip}:${port}: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err });
  }

  close(): void {
    if (this.#ptr === 0) return;
    if (!this.stack.disposed) this.stack.mod._lmw_udp_free(this.#ptr);
    this.#ptr = 0;
    this.stack.unregister(this.#id);
    this.stack.release();
    try {
      this.#controller.close();
    } catch {
      /* already closed */
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
