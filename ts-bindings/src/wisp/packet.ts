// Wisp v1 packets (MercuryWorkshop/wisp-protocol): one WebSocket binary message is one
// packet, `u8 type | u32 stream id (LE) | payload`. Browser-safe: Uint8Array and DataView
// only. Decoding is strict: anything that is not a well-formed v1 packet is a
// WispDecodeError (an LmwError, code ERR_WISP_MALFORMED), never a string and never a
// partial packet.

import { LmwError } from "../errors.js";

export const PacketType = {
  CONNECT: 0x01,
  DATA: 0x02,
  CONTINUE: 0x03,
  CLOSE: 0x04,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

export const StreamType = {
  TCP: 0x01,
  UDP: 0x02,
} as const;
export type StreamTypeValue = (typeof StreamType)[keyof typeof StreamType];

/** CLOSE reasons. 0x0x: either side; 0x4x: server; 0x8x: client. NAME_NOT_RESOLVED is
 *  ours, not in Wisp v1's list: the spec folds a name that does not resolve into 0x42,
 *  which would make a typo look like a routing failure. Other clients see an unknown
 *  server reason, which still closes the stream. */
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
export type WispPacket = ConnectPacket | DataPacket | ContinuePacket | ClosePacket;

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
    default:
      throw new WispDecodeError(`unknown packet type 0x${type.toString(16)}`);
  }
}

/** A short name for a close reason, for logs and messages. */
export function closeReasonName(reason: number): string {
  for (const [name, value] of Object.entries(CloseReason)) if (value === reason) return name;
  return `0x${reason.toString(16).padStart(2, "0")}`;
}
