// The wisp-js 0.5 client as the tests drive it (it ships no types).
import { client as wispClient } from "@mercuryworkshop/wisp-js/client";

export interface WispJsStream {
  send(data: Uint8Array): void;
  close(reason?: number): void;
  onmessage: (data: Uint8Array) => void;
  onclose: (reason: number) => void;
}
export interface WispJsConnection {
  onopen: () => void;
  onclose: () => void;
  onerror: () => void;
  create_stream(host: string, port: number, type?: number | string): WispJsStream;
  close(): void;
  wisp_version: number;
  server_motd: string | null;
  udp_enabled: boolean;
  /** Closes the WebSocket and resolves once it is closed. */
  closeAndWait(): Promise<void>;
}

/** Opens a wisp-js client connection (v1 or v2) and resolves once it is usable. */
export async function openWispJs(url: string, version: 1 | 2, wispExtensions?: unknown[]): Promise<WispJsConnection> {
  const conn = new wispClient.ClientConnection(url, { wisp_version: version, wisp_extensions: wispExtensions }) as WispJsConnection;
  await new Promise<void>((resolve, reject) => {
    conn.onopen = resolve;
    conn.onerror = () => reject(new Error("wisp-js connection failed"));
    conn.onclose = () => reject(new Error("wisp-js connection closed during the handshake"));
  });
  conn.closeAndWait = () => {
    const closed = new Promise<void>((r) => (conn.onclose = r));
    conn.close();
    return closed;
  };
  return conn;
}

/** Opens a stream on a wisp-js connection, sends `text`, resolves with what comes back. */
export function echoText(conn: WispJsConnection, port: number, text: string, type: number | string = "tcp"): Promise<string> {
  const s = conn.create_stream("127.0.0.1", port, type);
  const back = new Promise<string>((r) => (s.onmessage = (d) => r(new TextDecoder().decode(d))));
  s.send(new TextEncoder().encode(text));
  return back;
}
