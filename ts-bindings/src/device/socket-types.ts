// The shapes of the sockets the device hands to users (connectTcp / connectTls,
// Cloudflare-style web streams) and what they report once open.

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
