// Two stacks (two instances of the WASM module) on one virtual Ethernet link.
import { Netif } from "../../ts-bindings/src/link/netif.js";
import { VirtualLink } from "../../ts-bindings/src/link/virtual-link.js";
import { Stack, type StackOptions } from "../../ts-bindings/src/device/stack.js";

export interface StackPair {
  client: Stack;
  server: Stack;
  link: VirtualLink;
  clientIp: string;
  serverIp: string;
  dispose(): void;
}

export async function stackPair(options: { client?: StackOptions; server?: StackOptions } = {}): Promise<StackPair> {
  const client = await Stack.create({ name: "client", ...options.client });
  const server = await Stack.create({ name: "server", ...options.server });
  const cn = new Netif(client, { mac: "02:00:00:00:00:0f", ip: "10.0.2.15", gateway: "10.0.2.2", isDefault: true });
  const sn = new Netif(server, { mac: "02:00:00:00:00:02", ip: "10.0.2.2", isDefault: true });
  const link = new VirtualLink(cn, sn);
  return {
    client,
    server,
    link,
    clientIp: "10.0.2.15",
    serverIp: "10.0.2.2",
    dispose() {
      link.dispose();
      cn.dispose();
      sn.dispose();
      client.dispose();
      server.dispose();
    },
  };
}
