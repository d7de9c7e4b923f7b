// Reading a capture of the device's link the way Wireshark does: each frame's layers
// (frame.ts, dns.ts, dhcp.ts), the TLS records of each TCP stream (tls-stream.ts), their
// plaintext from the stack's key log (tls-decrypt.ts), and the certificates the server
// sent (certificate.ts), even when the handshake failed on them.
//
// Used by the browser playground's packet view; usable from Node on any pcap's frames.
import { decodeFrame, type DecodedFrame } from "./frame.js";
import { KeyLogSecrets, TlsDecryptor, type Decrypted } from "./tls-decrypt.js";
import { CONTENT_TYPES, HANDSHAKE_TYPES, TlsStreams, isEncrypted, type TlsConnection, type TlsRecord } from "./tls-stream.js";

export { decodeFrame, tcpFlagNames } from "./frame.js";
export type { DecodedFrame, Field, Layer, TcpSegment } from "./frame.js";
export { decodeDns } from "./dns.js";
export { DhcpType, dhcpTypeName, parseDhcp } from "./dhcp.js";
export type { DhcpMessage } from "./dhcp.js";
export { CONTENT_TYPES, HANDSHAKE_TYPES, VERSIONS, ALERTS, TlsConnection, TlsStreams, certificateList, describeRecord, isEncrypted } from "./tls-stream.js";
export type { TlsRecord, HandshakeMessage } from "./tls-stream.js";
export { KeyLogSecrets, TlsDecryptor, hkdfExpandLabel, tls12Prf } from "./tls-decrypt.js";
export type { Decrypted } from "./tls-decrypt.js";
export { chacha20Poly1305Open } from "./chacha20-poly1305.js";
export { summarizeCertificate, toPem } from "./certificate.js";
export type { CertificateSummary } from "./certificate.js";

export interface CapturedFrame {
  /** 0-based position in the capture (Wireshark numbers from 1). */
  index: number;
  /** Date.now() when the frame crossed the link. */
  timeMs: number;
  data: Uint8Array;
  decoded: DecodedFrame;
  /** The TLS records this frame completed. */
  tls: TlsRecord[];
  /** The packet list's line (TLS records named when the frame completed any). */
  summary: string;
}

/** A growing capture: add frames and key log lines as they come; decode on demand. */
export class CaptureDecoder {
  readonly frames: CapturedFrame[] = [];
  readonly streams = new TlsStreams();
  readonly secrets = new KeyLogSecrets();
  readonly decryptor = new TlsDecryptor(this.secrets);

  add(data: Uint8Array, timeMs = Date.now()): CapturedFrame {
    const index = this.frames.length;
    const decoded = decodeFrame(data);
    const tls = this.streams.add(index, decoded, data);
    const summary = tls.length ? `TLS ${tls.map(recordName).join(", ")} · ${decoded.summary.replace(/^TCP /, "")}` : decoded.summary;
    const f: CapturedFrame = { index, timeMs, data, decoded, tls, summary };
    this.frames.push(f);
    return f;
  }

  /** A key log line (NSS format), e.g. from a stack's `keylog` log source. */
  addKeyLogLine(line: string): void {
    this.secrets.add(line);
  }

  decrypt(rec: TlsRecord): Promise<Decrypted> {
    return this.decryptor.decrypt(rec);
  }

  /** The certificates the server of `conn` sent, DER, leaf first (see TlsDecryptor). */
  serverCertificates(conn: TlsConnection): Promise<Uint8Array[]> {
    return this.decryptor.serverCertificates(conn);
  }
}

function recordName(r: TlsRecord): string {
  if (isEncrypted(r)) return r.type === 23 ? "Application Data" : `Encrypted ${CONTENT_TYPES[r.type] ?? r.type}`;
  if (r.type === 22) return HANDSHAKE_TYPES[r.bytes[5]!] ?? "Handshake";
  return CONTENT_TYPES[r.type] ?? `type ${r.type}`;
}
