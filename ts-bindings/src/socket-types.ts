// The shapes shared by every layer that moves bytes: sockets handed to users
// (connectTcp / connectTls, Cloudflare-style web streams), and the Dialer the router
// hands each flow to (Node sockets, or Wisp streams in a browser).

/** A bidirectional byte stream with web-stream halves (as Cloudflare's connect()). */
export interface ByteSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once connected (and, for TLS, once the handshake is done). */
  readonly opened: Promise<SocketInfo>;
  /** Resolves when the socket is fully closed; rejects with an LmwError if it failed. */
  readonly closed: Promise<void>;
  /** Graceful close (TLS close_notify, then FIN). */
  close(): Promise<void>;
  /** Forced close (RST); pending reads and writes fail with `reason`. */
  destroy(reason?: unknown): void;
}

export interface PeerCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** DER bytes. */
  raw: Uint8Array;
}

export interface TlsInfo {
  /** "TLSv1.3" or "TLSv1.2". */
  version: string;
  /** IANA-style suite name as Mbed TLS reports it, e.g. "TLS1-3-CHACHA20-POLY1305-SHA256". */
  cipherSuite: string;
  alpnProtocol: string | null;
  /** Leaf first. */
  peerCertificates: PeerCertificate[];
}

/** How a connection was made: performance.now() marks, in order. */
export interface ConnectTiming {
  start: number;
  /** The name was resolved (the device's DNS lookup; equal to start for an IP literal). */
  resolved: number;
  /** TCP was up on the device (the router lets the SYN through once the real connection
   *  exists, so over Wisp v1 this includes the dial). */
  tcpConnected: number;
  /** Connected, and for TLS, handshake done. */
  opened: number;
}

export interface SocketInfo {
  localAddress: string;
  remoteAddress: string;
  tls?: TlsInfo;
  /** Set for connections a Network opened (connectTcp, connectTls, fetch). */
  timing?: ConnectTiming;
}

/** Where the router sends each flow the device opens. */
export interface Dialer {
  /** Opens a TCP stream to host:port (a name or an IP literal). Rejects with an LmwError
   *  (ERR_CONNECTION_REFUSED, ERR_DNS_NOT_FOUND, ERR_TIMEOUT_CONNECT, ERR_BLOCKED...). */
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
