// TLS records out of the TCP segments of a capture. A record can span several segments
// and a segment can hold several records, so each TCP direction is reassembled (in
// sequence order; retransmitted bytes are dropped, early segments wait for the gap) and
// records are cut from the byte stream. Like Wireshark, a record belongs to the frame that
// carried its last byte.
//
// The plaintext handshake messages (ClientHello, ServerHello, and in TLS 1.2 the
// Certificate) give what decryption needs: both randoms, the version and the suite.
import type { DecodedFrame } from "./frame.js";
import { concatBytes } from "../../bytes.js";
import { hex, u16, u24 } from "./wire.js";

export const CONTENT_TYPES: Record<number, string> = { 20: "ChangeCipherSpec", 21: "Alert", 22: "Handshake", 23: "ApplicationData" };
export const HANDSHAKE_TYPES: Record<number, string> = {
  0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData",
  8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
  14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished", 24: "KeyUpdate",
};
export const VERSIONS: Record<number, string> = { 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3" };

/** The SHA-256 of "HelloRetryRequest": a ServerHello with this random is an HRR (RFC 8446 4.1.3). */
const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

export interface TlsRecord {
  conn: TlsConnection;
  fromClient: boolean;
  /** The frame that carried the record's last byte. */
  frame: number;
  /** The record's position among its direction's records (0 = first). */
  index: number;
  type: number;
  version: number;
  /** Header (5 bytes) and fragment. */
  bytes: Uint8Array;
}

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
}

/** One TLS connection seen in the capture, with what its plaintext hellos said. */
export class TlsConnection {
  readonly client: string;
  readonly server: string;
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  /** The negotiated version (supported_versions in the ServerHello, else its legacy field). */
  version?: number;
  cipherSuite?: number;
  serverName?: string;
  /** The client's records, then the server's. */
  readonly records: [TlsRecord[], TlsRecord[]] = [[], []];
  /** Index of each direction's ChangeCipherSpec record (client, server). */
  readonly ccs: [number | undefined, number | undefined] = [undefined, undefined];
  /** DER certificates from a plaintext (TLS 1.2) Certificate message. */
  plainCertificates?: Uint8Array[];
  #handshake: [HandshakeReader, HandshakeReader] = [new HandshakeReader(), new HandshakeReader()];

  constructor(client: string, server: string) {
    this.client = client;
    this.server = server;
  }

  /** Reads the plaintext handshake records (before encryption starts). */
  onPlainRecord(rec: TlsRecord): void {
    if (rec.type !== 22 || isEncrypted(rec)) return;
    for (const m of this.#handshake[rec.fromClient ? 0 : 1].push(rec.bytes.subarray(5))) {
      if (m.type === 1 && rec.fromClient) this.#clientHello(m.body);
      else if (m.type === 2 && !rec.fromClient) this.#serverHello(m.body);
      else if (m.type === 11 && !rec.fromClient && this.version !== 0x0304) this.plainCertificates = certificateList(m.body, false);
    }
  }

  #clientHello(b: Uint8Array): void {
    if (b.length < 38) return;
    this.clientRandom = b.slice(2, 34);
    let o = 34;
    o += 1 + b[o]!; // session id
    o += 2 + u16(b, o); // cipher suites
    o += 1 + b[o]!; // compression
    for (const [type, data] of extensions(b, o)) {
      if (type === 0 && data.length > 5) this.serverName = new TextDecoder().decode(data.subarray(5, 5 + u16(data, 3)));
    }
  }

  #serverHello(b: Uint8Array): void {
    if (b.length < 38) return;
    const random = b.slice(2, 34);
    if (hex(random) === HRR_RANDOM) return;
    this.serverRandom = random;
    this.version = u16(b, 0);
    let o = 34;
    o += 1 + b[o]!;
    this.cipherSuite = u16(b, o);
    o += 3;
    for (const [type, data] of extensions(b, o)) if (type === 43 && data.length === 2) this.version = u16(data, 0);
  }
}

/** The extensions block starting at `o` (a u16 length, then type/length/data entries). */
function* extensions(b: Uint8Array, o: number): Generator<[number, Uint8Array]> {
  if (o + 2 > b.length) return;
  const end = Math.min(b.length, o + 2 + u16(b, o));
  for (let p = o + 2; p + 4 <= end; ) {
    const len = u16(b, p + 2);
    yield [u16(b, p), b.subarray(p + 4, p + 4 + len)];
    p += 4 + len;
  }
}

/** The certificates of a Certificate message body (TLS 1.3 adds a context and per-entry extensions). */
export function certificateList(b: Uint8Array, tls13: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = tls13 ? 1 + (b[0] ?? 0) : 0;
  if (o + 3 > b.length) return out;
  const end = Math.min(b.length, o + 3 + u24(b, o));
  for (o += 3; o + 3 <= end; ) {
    const len = u24(b, o);
    if (o + 3 + len > end) break;
    out.push(b.slice(o + 3, o + 3 + len));
    o += 3 + len;
    if (tls13) o += 2 + u16(b, o);
  }
  return out;
}

/** Cuts handshake messages out of consecutive handshake-record fragments. */
export class HandshakeReader {
  #buf = new Uint8Array(0);
  push(fragment: Uint8Array): HandshakeMessage[] {
    const buf = new Uint8Array(this.#buf.length + fragment.length);
    buf.set(this.#buf);
    buf.set(fragment, this.#buf.length);
    const out: HandshakeMessage[] = [];
    let o = 0;
    while (o + 4 <= buf.length && o + 4 + u24(buf, o + 1) <= buf.length) {
      const len = u24(buf, o + 1);
      out.push({ type: buf[o]!, body: buf.subarray(o + 4, o + 4 + len) });
      o += 4 + len;
    }
    this.#buf = buf.slice(o);
    return out;
  }
}

/** One direction of a TCP connection, reassembled into TLS records. */
class Direction {
  next: number | undefined;
  #early = new Map<number, Uint8Array>();
  #parts: Uint8Array[] = [];
  #have = 0;
  /** The length of the record being gathered (header included), once its header is in. */
  #need = 0;
  /** false once the stream is seen not to be TLS. */
  tls: boolean | undefined;
  count = 0;

  /** Adds a segment's payload; returns the record bytes it completed. */
  add(seq: number, data: Uint8Array): Uint8Array[] {
    if (this.next === undefined) this.next = seq;
    const out: Uint8Array[] = [];
    this.#take(seq, data, out);
    // Segments that arrived early and now fit.
    for (let e = this.#early.get(this.next); e; e = this.#early.get(this.next)) {
      this.#early.delete(this.next);
      this.#take(this.next, e, out);
    }
    return out;
  }

  #take(seq: number, data: Uint8Array, out: Uint8Array[]): void {
    const next = this.next!;
    const ahead = (seq - next) | 0;
    if (ahead > 0) {
      if (this.#early.size < 1024) this.#early.set(seq, data);
      return;
    }
    const fresh = data.subarray(Math.min(data.length, -ahead));
    if (fresh.length === 0) return;
    this.next = (next + fresh.length) >>> 0;
    if (this.tls === false) return;
    if (this.tls === undefined) {
      this.tls = fresh[0]! >= 20 && fresh[0]! <= 23 && (fresh.length < 2 || fresh[1] === 3);
      if (!this.tls) return;
    }
    // A record cut across segments waits as a list of parts and is copied together once,
    // when its last byte is in; records wholly inside a segment are views of it (the
    // capture keeps its frames).
    this.#parts.push(fresh);
    this.#have += fresh.length;
    if (this.#have < 5) return;
    if (this.#need === 0) this.#need = 5 + u16(this.#parts.length === 1 ? this.#parts[0]! : concatBytes(this.#parts), 3);
    if (this.#have < this.#need) return;
    const buf = concatBytes(this.#parts);
    let o = 0;
    while (o + 5 <= buf.length && o + 5 + u16(buf, o + 3) <= buf.length) {
      const len = u16(buf, o + 3);
      out.push(buf.subarray(o, o + 5 + len));
      o += 5 + len;
    }
    const rest = buf.subarray(o);
    this.#parts = rest.length ? [rest] : [];
    this.#have = rest.length;
    this.#need = rest.length >= 5 ? 5 + u16(rest, 3) : 0;
  }
}

/** Follows every TCP connection of a capture and hands out its TLS records. */
export class TlsStreams {
  readonly connections: TlsConnection[] = [];
  #dirs = new Map<string, Direction>();
  #conns = new Map<string, TlsConnection>();
  #byFrame = new Map<number, TlsRecord[]>();

  /** Feeds one decoded frame (in capture order); returns the records it completed. */
  add(frameIndex: number, decoded: DecodedFrame, frame: Uint8Array): TlsRecord[] {
    const t = decoded.tcp;
    if (!t) return [];
    const from = `${t.src}:${t.srcPort}`;
    const to = `${t.dst}:${t.dstPort}`;
    const key = `${from}>${to}`;
    let dir = this.#dirs.get(key);
    const syn = (t.flags & 0x02) !== 0;
    if (!dir || (syn && dir.next !== (t.seq + 1) >>> 0)) {
      dir = new Direction();
      this.#dirs.set(key, dir);
      if (syn) {
        // A new connection (a SYN opens it; the SYN's sender is the client).
        dir.next = (t.seq + 1) >>> 0;
        if (!(t.flags & 0x10)) {
          const c = new TlsConnection(from, to);
          this.#conns.set(`${from}>${to}`, c);
          this.#conns.set(`${to}>${from}`, c);
        }
      }
    }
    const payload = frame.subarray(t.payloadStart, t.payloadEnd);
    if (payload.length === 0) return [];
    const cut = dir.add(t.seq, payload);
    if (cut.length === 0) return [];
    let conn = this.#conns.get(key);
    if (!conn) {
      // No SYN in the capture: the side whose first record is a ClientHello is the client.
      const clientFirst = cut[0]![0] === 22 && cut[0]![5] === 1;
      conn = clientFirst ? new TlsConnection(from, to) : new TlsConnection(to, from);
      this.#conns.set(`${from}>${to}`, conn);
      this.#conns.set(`${to}>${from}`, conn);
    }
    if (!this.connections.includes(conn)) this.connections.push(conn);
    const fromClient = conn.client === from;
    const recs = cut.map((bytes): TlsRecord => ({
      conn: conn!,
      fromClient,
      frame: frameIndex,
      index: dir!.count++,
      type: bytes[0]!,
      version: u16(bytes, 1),
      bytes,
    }));
    for (const r of recs) {
      const d = fromClient ? 0 : 1;
      if (r.type === 20 && conn.ccs[d] === undefined) conn.ccs[d] = r.index;
      conn.records[d].push(r);
      conn.onPlainRecord(r);
    }
    this.#byFrame.set(frameIndex, recs);
    return recs;
  }

  /** The TLS records a frame completed. */
  recordsOf(frameIndex: number): TlsRecord[] {
    return this.#byFrame.get(frameIndex) ?? [];
  }
}

/** One line for a record header, e.g. "TLS 1.3 Handshake (ClientHello), 512 bytes". */
export function describeRecord(r: TlsRecord): string {
  const type = CONTENT_TYPES[r.type] ?? `type ${r.type}`;
  let what = "";
  const plain = !isEncrypted(r);
  if (r.type === 22 && r.bytes.length >= 6 && plain) what = ` (${HANDSHAKE_TYPES[r.bytes[5]!] ?? `type ${r.bytes[5]}`})`;
  if (r.type === 21 && r.bytes.length === 7 && plain) what = ` (${r.bytes[5] === 2 ? "fatal" : "warning"} ${ALERTS[r.bytes[6]!] ?? r.bytes[6]})`;
  // As Wireshark heads it: the connection's version (a TLS 1.3 record still says 1.2).
  const version = VERSIONS[r.conn.version ?? r.version] ?? hex(r.bytes.subarray(1, 3));
  return `${version} ${type}${what}, ${r.bytes.length - 5} bytes${plain ? "" : ", encrypted"}`;
}

/** Whether the record's fragment is ciphertext (1.3: every ApplicationData record; 1.2:
 *  everything after this side's ChangeCipherSpec). */
export function isEncrypted(r: TlsRecord): boolean {
  if (r.conn.version === 0x0304) return r.type === 23;
  const ccs = r.conn.ccs[r.fromClient ? 0 : 1];
  return ccs !== undefined && r.index > ccs;
}

export const ALERTS: Record<number, string> = {
  0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure", 42: "bad_certificate",
  43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
  47: "illegal_parameter", 48: "unknown_ca", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
  80: "internal_error", 90: "user_canceled", 109: "missing_extension", 112: "unrecognized_name", 116: "certificate_required",
  120: "no_application_protocol",
};
