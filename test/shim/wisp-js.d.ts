// wisp-js ships no types; the tests describe the few shapes they use where they use them.
declare module "@mercuryworkshop/wisp-js/client" {
  export const client: { ClientConnection: new (url: string, options?: Record<string, unknown>) => unknown };
  export const extensions: {
    UDPExtension: new (config: { client_config?: object }) => unknown;
    MOTDExtension: new (config: { client_config?: object }) => unknown;
    PasswordAuthExtension: new (config: { client_config?: { username: string; password: string } }) => unknown;
  };
}
declare module "@mercuryworkshop/wisp-js/server" {
  export const server: {
    options: Record<string, unknown>;
    routeRequest(req: import("node:http").IncomingMessage, socket: import("node:stream").Duplex, head: Buffer): void;
  };
  export const logging: { set_level(level: number): void; NONE: number };
}
