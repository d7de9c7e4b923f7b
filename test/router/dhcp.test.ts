// The router's DHCP server against lwIP's own DHCP client, and its message logic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackSocket } from "../../ts-bindings/src/device/socket.js";
import { Stack } from "../../ts-bindings/src/device/stack.js";
import { Netif } from "../../ts-bindings/src/link/netif.js";
import { PcapWriter, summarizeFrame } from "../../ts-bindings/src/link/pcap.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { DhcpType, parseDhcp } from "../../ts-bindings/src/link/decode/dhcp.js";
import { DhcpServer } from "../../ts-bindings/src/router/dhcp-server.js";
import { dhcpRequest, parsePcap } from "../helpers/frames.js";
import { exchange, tcpEchoServer, type EchoServer } from "../helpers/echo.js";

let echo: EchoServer;

beforeAll(async () => {
  echo = await tcpEchoServer();
});
afterAll(() => echo.close());

describe("DHCP with lwIP's client", () => {
  it("device: { dhcp: true } gets 10.0.2.15 and reaches a local server; the exchange is in the capture", async () => {
    const pcap = new PcapWriter();
    const net = await createNetwork({ device: { dhcp: true }, onFrame: pcap.tap });
    try {
      expect(net.router.dhcp.leases()).toEqual(new Map([["52:54:00:12:34:56", "10.0.2.15"]]));
      expect(await exchange(await net.connectTcp({ host: "127.0.0.1", port: echo.port }), "leased")).toBe("leased");
      // The DNS server came with the lease too.
      expect(await net.resolve("localhost")).toMatch(/^198\.1[89]\./);
    } finally {
      await net.close();
    }
    const summaries = parsePcap(pcap.bytes()).map(summarizeFrame);
    const dhcp = summaries.filter((s) => s.includes("(DHCP"));
    expect(dhcp.map((s) => s.replace(/ len=\d+$/, ""))).toEqual([
      "UDP 0.0.0.0:68 > 255.255.255.255:67 (DHCP DISCOVER)",
      "UDP 10.0.2.2:67 > 255.255.255.255:68 (DHCP OFFER 10.0.2.15)",
      "UDP 0.0.0.0:68 > 255.255.255.255:67 (DHCP REQUEST)",
      "UDP 10.0.2.2:67 > 255.255.255.255:68 (DHCP ACK 10.0.2.15)",
    ]);
    expect(summaries.some((s) => /^TCP 10\.0\.2\.15:\d+ > 10\.0\.2\.2:\d+ \[SYN\]/.test(s))).toBe(true);
  });

  it("leases by MAC: two stations get .15 and .16, and a MAC that comes back gets its address again", async () => {
    const net = await createNetwork({ device: false });
    const stacks: Stack[] = [];
    const station = async (mac: string) => {
      const stack = await Stack.create({ name: mac });
      stacks.push(stack);
      const heap = stack.heapInUse();
      const netif = new Netif(stack, { mac, ip: "0.0.0.0", isDefault: true });
      const port = net.attach(netif);
      return { stack, netif, port, heap, lease: await netif.startDhcp() };
    };
    try {
      const a = await station("02:00:00:00:00:0a");
      const b = await station("02:00:00:00:00:0b");
      expect([a.lease, b.lease]).toEqual([
        { ip: "10.0.2.15", netmask: "255.255.255.0", gateway: "10.0.2.2" },
        { ip: "10.0.2.16", netmask: "255.255.255.0", gateway: "10.0.2.2" },
      ]);
      expect(b.netif.ip).toBe("10.0.2.16");
      expect(await exchange(StackSocket.connect(b.stack, { ip: "10.0.2.2", port: echo.port }), "from b")).toBe("from b");
      // a leaves; a new station with a's MAC gets a's address back, not a fresh one.
      a.port.detach();
      a.netif.dispose();
      expect(a.stack.heapInUse()).toBe(a.heap); // the DHCP client's state goes with the netif
      const again = await station("02:00:00:00:00:0a");
      expect(again.lease.ip).toBe("10.0.2.15");
      expect(await exchange(StackSocket.connect(again.stack, { ip: "10.0.2.2", port: echo.port }), "again")).toBe("again");
      for (const s of [b, again]) s.netif.dispose();
    } finally {
      await net.close();
      for (const s of stacks) s.dispose();
    }
  });
});

describe("DhcpServer", () => {
  const mac = (n: number) => Uint8Array.from([2, 0, 0, 0, 0, n]);
  const request = dhcpRequest;
  const server = () => new DhcpServer({ serverIp: "10.0.2.2", netmask: "255.255.255.0", dnsIp: "10.0.2.3", poolSize: 2 });

  it("offers, acknowledges, refuses an address that is not the client's, and releases", () => {
    const s = server();
    const offer = parseDhcp(s.handle(request(DhcpType.DISCOVER, mac(1)))!.payload)!;
    expect([offer.type, offer.yiaddr, offer.xid]).toEqual([DhcpType.OFFER, "10.0.2.15", 0x1234]);
    const nak = s.handle(request(DhcpType.REQUEST, mac(2), { requested: "10.0.2.15", server: "10.0.2.2" }))!;
    expect(parseDhcp(nak.payload)!.type).toBe(DhcpType.NAK);
    const ack = s.handle(request(DhcpType.REQUEST, mac(1), { requested: "10.0.2.15", server: "10.0.2.2" }))!;
    expect(parseDhcp(ack.payload)).toMatchObject({ type: DhcpType.ACK, yiaddr: "10.0.2.15" });
    expect(ack.to).toBe("255.255.255.255");
    // Renewing from its address: answered there.
    expect(s.handle(request(DhcpType.REQUEST, mac(1), { ciaddr: "10.0.2.15" }))!.to).toBe("10.0.2.15");
    expect(s.handle(request(DhcpType.RELEASE, mac(1), { ciaddr: "10.0.2.15" }))).toBeUndefined();
    expect(s.leases().size).toBe(0);
  });

  it("stays silent when the pool is used up, or when the client chose another server", () => {
    const s = server();
    expect(s.handle(request(DhcpType.DISCOVER, mac(1)))).toBeDefined();
    expect(s.handle(request(DhcpType.DISCOVER, mac(2)))).toBeDefined();
    expect(s.handle(request(DhcpType.DISCOVER, mac(3)))).toBeUndefined();
    expect(s.handle(request(DhcpType.REQUEST, mac(2), { requested: "10.0.2.16", server: "10.0.2.9" }))).toBeUndefined();
    expect([...s.leases().values()]).toEqual(["10.0.2.15"]);
    expect(s.handle(new Uint8Array(10))).toBeUndefined();
  });
});
