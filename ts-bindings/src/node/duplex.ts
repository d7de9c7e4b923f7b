// A Node Duplex over a ByteSocket, so Node's own http/https client (createConnection) or
// undici can run over a connection of the embedded stack.
import { Duplex } from "node:stream";
import type { ByteSocket, SocketInfo } from "../device/socket-types.js";

/** The Duplex, with the few net.Socket methods Node's HTTP client calls (no-ops here:
 *  lwIP's pcb has its own Nagle/keepalive settings). `info` resolves like `opened`. */
export type SocketDuplex = Duplex & {
  info: Promise<SocketInfo>;
  setNoDelay(noDelay?: boolean): SocketDuplex;
  setKeepAlive(enable?: boolean, delay?: number): SocketDuplex;
  setTimeout(ms: number, callback?: () => void): SocketDuplex;
  ref(): SocketDuplex;
  unref(): SocketDuplex;
};

export function toNodeDuplex(socket: ByteSocket): SocketDuplex {
  const reader = socket.readable.getReader();
  const writer = socket.writable.getWriter();
  let reading = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let idleMs = 0;
  let onIdle: (() => void) | undefined;
  const touch = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = idleMs > 0 ? setTimeout(() => {
      duplex.emit("timeout");
      onIdle?.();
    }, idleMs) : undefined;
  };
  const duplex = new Duplex({
    allowHalfOpen: false,
    read() {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            touch();
            if (done) {
              duplex.push(null);
              return;
            }
            if (!duplex.push(value)) return; // resumed by the next read()
          }
        } catch (e) {
          duplex.destroy(e as Error);
        } finally {
          reading = false;
        }
      })();
    },
    write(chunk: Buffer, _enc, callback) {
      touch();
      writer.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)).then(() => callback(), callback);
    },
    final(callback) {
      writer.close().then(() => callback(), callback);
    },
    destroy(err, callback) {
      if (idleTimer) clearTimeout(idleTimer);
      if (err) socket.destroy(err);
      else void socket.close();
      callback(err);
    },
  }) as SocketDuplex;
  duplex.info = socket.opened;
  void socket.opened.then(() => duplex.emit("connect"), (e: unknown) => duplex.destroy(e as Error));
  duplex.setNoDelay = () => duplex;
  duplex.setKeepAlive = () => duplex;
  duplex.setTimeout = (ms, callback) => {
    idleMs = ms;
    onIdle = callback;
    touch();
    return duplex;
  };
  duplex.ref = () => duplex;
  duplex.unref = () => duplex;
  return duplex;
}
