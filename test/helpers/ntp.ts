// A real NTP responder for the Pico programs' tests (node:dgram on 127.0.0.1): it answers
// every client request (NTPv3/v4 mode 3, 48 bytes) as an NTPv4 server would (RFC 5905):
// mode 4, the client's version, stratum 2, the client's transmit timestamp echoed as the
// originate timestamp (lwIP's SNTP_CHECK_RESPONSE >= 2 insists on it), and `when` (Unix
// seconds, a whole second) as the reference, receive and transmit times. Every request it
// saw is kept, with its version and mode.
import { createSocket } from "node:dgram";
import { once } from "node:events";

/** Seconds from 1900 (NTP's era 0) to 1970. */
export const NTP_UNIX_OFFSET = 2208988800;

export interface NtpRequest {
  version: number;
  mode: number;
  /** The client's transmit timestamp, seconds and fraction (what it thinks the time is). */
  transmit: [number, number];
}

export async function ntpResponder(when: number) {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  const requests: NtpRequest[] = [];
  socket.on("message", (m, from) => {
    if (m.length < 48) return;
    const version = (m[0]! >> 3) & 7;
    const mode = m[0]! & 7;
    requests.push({ version, mode, transmit: [m.readUInt32BE(40), m.readUInt32BE(44)] });
    if (mode !== 3) return;
    const reply = Buffer.alloc(48);
    reply[0] = (version << 3) | 4; // LI 0 (no warning), the client's version, mode 4 (server)
    reply[1] = 2; // stratum
    reply[2] = m[2]!; // poll interval: the client's
    reply[3] = 0xec; // precision: 2^-20 s
    reply.write("LOCL", 12, "latin1"); // reference id
    const seconds = when + NTP_UNIX_OFFSET;
    reply.writeUInt32BE(seconds, 16); // reference timestamp
    m.copy(reply, 24, 40, 48); // originate timestamp = the request's transmit timestamp
    reply.writeUInt32BE(seconds, 32); // receive timestamp
    reply.writeUInt32BE(seconds, 40); // transmit timestamp (fraction 0)
    socket.send(reply, from.port, from.address);
  });
  return {
    port: socket.address().port,
    requests,
    [Symbol.asyncDispose]: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
