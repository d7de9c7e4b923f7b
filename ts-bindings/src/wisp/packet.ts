// Wisp packets (MercuryWorkshop/wisp-protocol): one WebSocket binary message is one
// packet, `u8 type | u32 stream id (LE) | payload`. v1 has CONNECT, DATA, CONTINUE and
// CLOSE; v2 adds INFO (0x05, stream 0 only), which carries the version and a list of
// extensions `u8 id | u32 length (LE) | metadata`. Browser-safe: Uint8Array and DataView
// only. Decoding is strict: anything that is not a well-formed packet is a
// WispDecodeError (an LmwError, code ERR_WISP_MALFORMED), never a string and never a
// partial packet.

import { LmwError } from "../errors.js";

export const PacketType = {
  CONNECT: 0x01,
  DATA: 0x02,
  CONTINUE: 0x03,
  CLOSE: 0x04,
  /** Wisp v2 only: the handshake's version and extensions. */
  INFO: 0x05,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

export const StreamType = {
  TCP: 0x01,
  UDP: 0x02,
} as const;
export type StreamTypeValue = (typeof StreamType)[keyof typeof StreamType];

/** CLOSE reasons. 0x0x: either side; 0x4x: server; 0x8x: client; 0xcx: v2 password
 *  authentication (stream 0 only).
 *
 *  What our shim sends when a stream cannot be opened, one reason per cause (the
 *  dialer maps each to its own error code):
 *  - 0x45 NAME_NOT_RESOLVED: the name did not resolve (ENOTFOUND, no addresses). Ours,
 *    not in the Wisp spec, which folds an unknown name into 0x42 (and wisp-js 0.5's
 *    server sends 0x03): with either, a typo would look like a routing failure or a
 *    reset. Other clients see an unknown server reason, which still closes the stream.
 *  - 0x42 UNREACHABLE: EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL.
 *  - 0x43 CONNECT_TIMEOUT: the lookup or the TCP connect timed out.
 *  - 0x44 REFUSED: ECONNREFUSED.
 *  - 0x48 BLOCKED: the shim's policy (address class, host/port rules, token).
 *  - 0x49 THROTTLED: a limit (streams, lookups, a packet over maxPacketBytes).
 *  - 0x41 INVALID_INFO: a malformed CONNECT (empty host, port 0, bad name).
 *  - 0x01 UNKNOWN: any other connect failure.
 *  After the target connected, 0x03 NETWORK_ERROR is a network error (a reset). */
export const CloseReason = {
  UNKNOWN: 0x01,
  VOLUNTARY: 0x02,
  NETWORK_ERROR: 0x03,
  INCOMPATIBLE_EXTENSIONS: 0x04,
  INVALID_INFO: 0x41,
  UNREACHABLE: 0x42,
  CONNECT_TIMEOUT: 0x43,
  REFUSED: 0x44,
  NAME_NOT_RESOLVED: 0x45,
  DATA_TIMEOUT: 0x47,
  BLOCKED: 0x48,
  THROTTLED: 0x49,
  CLIENT_ERROR: 0x81,
  /** v2 password authentication: wrong username or password. */
  AUTH_BAD_PASSWORD: 0xc0,
  /** v2 authentication: a signature did not verify (key authentication; we do not offer it). */
  AUTH_BAD_SIGNATURE: 0xc1,
  /** v2 authentication: the server requires credentials and the client sent none. */
  AUTH_MISSING_CREDENTIALS: 0xc2,
} as const;
export type CloseReasonValue = (typeof CloseReason)[keyof typeof CloseReason];

/** Bytes before the payload: type + stream id. */
export const HEADER_SIZE = 5;
/** The largest stream id (u32). 0 is reserved for connection-level packets. */
export const MAX_STREAM_ID = 0xffff_ffff;
/** Longest hostname we accept in CONNECT (DNS limit 253, plus room for IPv6 literals). */
export const MAX_HOSTNAME_BYTES = 255;

export interface ConnectPacket {
  type: typeof PacketType.CONNECT;
  streamId: number;
  streamType: StreamTypeValue;
  port: number;
  hostname: string;
}
export interface DataPacket {
  type: typeof PacketType.DATA;
  streamId: number;
  /** A view into the decoded message (not a copy). */
  data: Uint8Array;
}
export interface ContinuePacket {
  type: typeof PacketType.CONTINUE;
  streamId: number;
  /** Packets the receiver may still send on this stream. */
  bufferRemaining: number;
}
export interface ClosePacket {
  type: typeof PacketType.CLOSE;
  streamId: number;
  reason: number;
}
/** One extension entry of an INFO packet; `metadata` is a view into the message. */
export interface WispExtension {
  id: number;
  metadata: Uint8Array;
}
export interface InfoPacket {
  type: typeof PacketType.INFO;
  streamId: number;
  major: number;
  minor: number;
  extensions: WispExtension[];
}
export type WispPacket = ConnectPacket | DataPacket | ContinuePacket | ClosePacket | InfoPacket;

/** Wisp v2 extension ids. */
export const ExtensionId = {
  UDP: 0x01,
  PASSWORD: 0x02,
  MOTD: 0x04,
} as const;

export class WispDecodeError extends LmwError {
  constructor(message: string) {
    super("ERR_WISP_MALFORMED", message, { layer: "wisp" });
    this.name = "WispDecodeError";
  }
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function header(type: number, streamId: number, payloadLength: number): { bytes: Uint8Array; view: DataView } {
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > MAX_STREAM_ID) {
    throw new LmwError("ERR_INVALID_ARG", `stream id out of range: ${streamId}`, { layer: "wisp" });
  }
  const bytes = new Uint8Array(HEADER_SIZE + payloadLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, type);
  view.setUint32(1, streamId, true);
  return { bytes, view };
}

export function encodeConnect(streamId: number, streamType: StreamTypeValue, hostname: string, port: number): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new LmwError("ERR_INVALID_ARG", `port out of range: ${port}`, { layer: "wisp" });
  }
  const name = utf8Encoder.encode(hostname);
  if (name.length === 0 || name.length > MAX_HOSTNAME_BYTES) {
    throw new LmwError("ERR_INVALID_ARG", "hostname must be 1..255 bytes", { layer: "wisp" });
  }
  const { bytes, view } = header(PacketType.CONNECT, streamId, 3 + name.length);
  view.setUint8(5, streamType);
  view.setUint16(6, port, true);
  bytes.set(name, 8);
  return bytes;
}

export function encodeData(streamId: number, data: Uint8Array): Uint8Array {
  const { bytes } = header(PacketType.DATA, streamId, data.length);
  bytes.set(data, HEADER_SIZE);
  return bytes;
}

export function encodeContinue(streamId: number, bufferRemaining: number): Uint8Array {
  const { bytes, view } = header(PacketType.CONTINUE, streamId, 4);
  view.setUint32(5, Math.max(0, Math.min(bufferRemaining, 0xffff_ffff)) >>> 0, true);
  return bytes;
}

export function encodeClose(streamId: number, reason: number): Uint8Array {
  const { bytes, view } = header(PacketType.CLOSE, streamId, 1);
  view.setUint8(5, reason & 0xff);
  return bytes;
}

export function encodeInfo(major: number, minor: number, extensions: readonly WispExtension[]): Uint8Array {
  let length = 2;
  for (const e of extensions) length += 5 + e.metadata.length;
  const { bytes, view } = header(PacketType.INFO, 0, length);
  view.setUint8(5, major);
  view.setUint8(6, minor);
  let off = 7;
  for (const e of extensions) {
    view.setUint8(off, e.id);
    view.setUint32(off + 1, e.metadata.length, true);
    bytes.set(e.metadata, off + 5);
    off += 5 + e.metadata.length;
  }
  return bytes;
}

/** The password extension's client metadata: `u8 username length | u16 password length (LE) | username | password`. */
export function encodePasswordCredentials(username: string, password: string): Uint8Array {
  const u = utf8Encoder.encode(username);
  const p = utf8Encoder.encode(password);
  if (u.length > 0xff || p.length > 0xffff) throw new LmwError("ERR_INVALID_ARG", "username or password too long", { layer: "wisp" });
  const out = new Uint8Array(3 + u.length + p.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, u.length);
  view.setUint16(1, p.length, true);
  out.set(u, 3);
  out.set(p, 3 + u.length);
  return out;
}

/** Reads the password extension's client metadata; null if it is malformed. */
export function decodePasswordCredentials(metadata: Uint8Array): { username: string; password: string } | null {
  if (metadata.length < 3) return null;
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  const ulen = view.getUint8(0);
  const plen = view.getUint16(1, true);
  if (metadata.length !== 3 + ulen + plen) return null;
  try {
    return {
      username: utf8Decoder.decode(metadata.subarray(3, 3 + ulen)),
      password: utf8Decoder.decode(metadata.subarray(3 + ulen)),
    };
  } catch {
    return null;
  }
}

export function encodePacket(packet: WispPacket): Uint8Array {
  switch (packet.type) {
    case PacketType.CONNECT:
      return encodeConnect(packet.streamId, packet.streamType, packet.hostname, packet.port);
    case PacketType.DATA:
      return encodeData(packet.streamId, packet.data);
    case PacketType.CONTINUE:
      return encodeContinue(packet.streamId, packet.bufferRemaining);
    case PacketType.CLOSE:
      return encodeClose(packet.streamId, packet.reason);
    case PacketType.INFO:
      return encodeInfo(packet.major, packet.minor, packet.extensions);
  }
}

/** Decodes one packet. Throws WispDecodeError on anything malformed. */
export function decodePacket(message: Uint8Array): WispPacket {
  if (message.length < HEADER_SIZE) {
    throw new WispDecodeError(`packet too short (${message.length} bytes)`);
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = view.getUint8(0);
  const streamId = view.getUint32(1, true);
  const payloadLength = message.length - HEADER_SIZE;
  switch (type) {
    case PacketType.CONNECT: {
      if (payloadLength < 4) throw new WispDecodeError("CONNECT payload too short");
      if (payloadLength - 3 > MAX_HOSTNAME_BYTES) throw new WispDecodeError("CONNECT hostname too long");
      const streamType = view.getUint8(5);
      if (streamType !== StreamType.TCP && streamType !== StreamType.UDP) {
        throw new WispDecodeError(`CONNECT with unknown stream type 0x${streamType.toString(16)}`);
      }
      const port = view.getUint16(6, true);
      let hostname: string;
      try {
        hostname = utf8Decoder.decode(message.subarray(8));
      } catch (cause) {
        throw new WispDecodeError("CONNECT hostname is not valid UTF-8");
      }
      return { type, streamId, streamType, port, hostname };
    }
    case PacketType.DATA:
      return { type, streamId, data: message.subarray(HEADER_SIZE) };
    case PacketType.CONTINUE:
      if (payloadLength !== 4) throw new WispDecodeError(`CONTINUE payload must be 4 bytes, got ${payloadLength}`);
      return { type, streamId, bufferRemaining: view.getUint32(5, true) };
    case PacketType.CLOSE:
      if (payloadLength !== 1) throw new WispDecodeError(`CLOSE payload must be 1 byte, got ${payloadLength}`);
      return { type, streamId, reason: view.getUint8(5) };
    case PacketType.INFO: {
      if (streamId !== 0) throw new WispDecodeError("INFO on a stream other than 0");
      if (payloadLength < 2) throw new WispDecodeError("INFO payload too short");
      const extensions: WispExtension[] = [];
      let off = 7;
      while (off < message.length) {
        if (message.length - off < 5) throw new WispDecodeError("INFO extension header truncated");
        const id = view.getUint8(off);
        const len = view.getUint32(off + 1, true);
        if (len > message.length - off - 5) throw new WispDecodeError("INFO extension metadata truncated");
        extensions.push({ id, metadata: message.subarray(off + 5, off + 5 + len) });
        off += 5 + len;
      }
      return { type, streamId, major: view.getUint8(5), minor: view.getUint8(6), extensions };
    }
    default:
      throw new WispDecodeError(`unknown packet type 0x${type.toString(16)}`);
  }
}

/** A short name for a close reason, for logs and messages. */
export function closeReasonName(reason: number): string {
  for (const [name, value] of Object.entries(CloseReason)) if (value === reason) return name;
  return `0x${reason.toString(16).padStart(2, "0")}`;
}
