// The Dialer: where the router hands each flow the device opens (Node sockets in Node,
// Wisp streams over a WebSocket in a browser).

/** Where the router sends each flow the device opens. */
export interface Dialer {
  /** Opens a TCP stream to host:port (a name or an IP literal). Rejects with an LmwError
   *  (ERR_CONNECTION_REFUSED, ERR_DNS_NOT_FOUND, ERR_TIMEOUT_CONNECT, ERR_BLOCKED_BY_RELAY...). */
  dialTcp(target: { host: string; port: number }, options?: { signal?: AbortSignal }): Promise<DialedStream>;
  /** Opens a UDP flow to host:port. */
  dialUdp?(target: { host: string; port: number }, options?: { signal?: AbortSignal }): Promise<DialedDatagrams>;
  /** Releases everything (sockets, WebSockets, timers). */
  close(): Promise<void>;
}

/** A dialed TCP stream: web streams; `readable` ends on FIN, errors on reset. */
export interface DialedStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Forced close. */
  destroy(reason?: unknown): void;
}

export interface DialedDatagrams {
  send(datagram: Uint8Array): void;
  onMessage(handler: (datagram: Uint8Array) => void): void;
  close(): void;
}
