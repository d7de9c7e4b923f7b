// DHCP messages (RFC 2131) as they appear on the LAN: the fixed BOOTP part, the magic
// cookie and the options this project reads. The router's server (router/dhcp-server.ts)
// and the frame decoder (frame.ts) both parse with this.
import { ipv4At } from "./wire.js";

export const MAGIC = 0x63825363;
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const FIXED = 236; // op .. file, before the magic cookie

/** DHCP message types (option 53). */
export const DhcpType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;

/** "DISCOVER", "OFFER", ... for a message type. */
export function dhcpTypeName(type: number): string {
  return Object.entries(DhcpType).find(([, v]) => v === type)?.[0] ?? `type ${type}`;
}

export const OPT = { PAD: 0, MASK: 1, ROUTER: 3, DNS: 6, REQUESTED_IP: 50, LEASE: 51, TYPE: 53, SERVER_ID: 54, END: 255 } as const;

export interface DhcpMessage {
  op: number;
  xid: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  chaddr: Uint8Array;
  type: number;
  requestedIp?: string;
  serverId?: string;
}

/** Parses a DHCP message (request or reply) on Ethernet; undefined for anything else
 *  (BOOTP without a message type, truncated). */
export function parseDhcp(msg: Uint8Array): DhcpMessage | undefined {
  if (msg.length < FIXED + 4 + 3) return undefined;
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  if ((msg[0] !== BOOTREQUEST && msg[0] !== BOOTREPLY) || msg[1] !== 1 || msg[2] !== 6 || dv.getUint32(FIXED) !== MAGIC) return undefined;
  const m: DhcpMessage = {
    op: msg[0]!,
    xid: dv.getUint32(4),
    flags: dv.getUint16(10),
    ciaddr: ipv4At(msg, 12),
    yiaddr: ipv4At(msg, 16),
    chaddr: msg.slice(28, 34),
    type: 0,
  };
  for (let off = FIXED + 4; off < msg.length; ) {
    const code = msg[off]!;
    if (code === OPT.END) break;
    if (code === OPT.PAD) {
      off++;
      continue;
    }
    if (off + 2 > msg.length) return undefined;
    const len = msg[off + 1]!;
    const v = off + 2;
    if (v + len > msg.length) return undefined;
    if (code === OPT.TYPE && len === 1) m.type = msg[v]!;
    else if (code === OPT.REQUESTED_IP && len === 4) m.requestedIp = ipv4At(msg, v);
    else if (code === OPT.SERVER_ID && len === 4) m.serverId = ipv4At(msg, v);
    off = v + len;
  }
  return m.type === 0 ? undefined : m;
}
