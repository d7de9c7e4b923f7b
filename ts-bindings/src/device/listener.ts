// Listeners: accept connections on a stack (servers in tests, the router's side of NAT).
import { LmwError } from "../errors.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import { connectionError, lwipErrorName } from "../ffi/native-errors.js";
import { StackSocket } from "./socket.js";
import type { Stack } from "./stack.js";
import type { TlsConfig } from "./tls-config.js";

/** Accepts connections on a stack (servers in tests and in the router). */
export class StackListener implements Disposable {
  readonly stack: Stack;
  #ptr: number;
  #id: number;
  #tls: boolean;

  constructor(stack: Stack, options: { ip?: string; port: number; tls?: TlsConfig; backlog?: number }, onSocket: (s: StackSocket) => void) {
    this.stack = stack;
    this.#tls = !!options.tls;
    const { mem, mod } = stack;
    this.#id = stack.register((kind) => {
      if (kind !== LmwEvent.ACCEPT) return;
      for (let socket; this.#ptr !== 0 && (socket = StackSocket.accept(stack, this.#ptr, this.#tls)); ) onSocket(socket);
    });
    using out = mem.alloc(4);
    let err = mod._lmw_conn_new_server(this.#id, options.tls ? options.tls.ptr : 0, out.ptr);
    if (err !== 0) {
      stack.unregister(this.#id);
      throw connectionError(err, "connect");
    }
    this.#ptr = out.u32();
    stack.retain(); // released by dispose(), also when listen fails below
    using ip = mem.cstring(options.ip ?? "0.0.0.0");
    err = mod._lmw_conn_listen(this.#ptr, ip.ptr, options.port, options.backlog ?? 16);
    if (err !== 0) {
      this.dispose();
      throw new LmwError("ERR_LISTEN", `cannot listen on ${options.ip ?? "0.0.0.0"}:${options.port}: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err });
    }
    stack.kick();
  }

  dispose(): void {
    const ptr = this.#ptr;
    this.#ptr = 0;
    this.stack.freeConn(ptr, this.#id);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
