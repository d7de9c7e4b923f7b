// createNetwork({ resolve, connectTo }): curl's --resolve and --connect-to for the device's
// TCP and UDP flows, against real servers on 127.0.0.1 with names the real DNS never heard of.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork, LmwError } from "../../ts-bindings/src/index.js";
import { parseConnectTo, parseResolve } from "../../ts-bindings/src/dialer/mapping.js";
import { Pki, type Cert } from "../helpers/pki.js";

let pki: Pki;
let root: Cert;
let server: Server;
let port: number;
let udp: UdpSocket;
let udpPort: number;
/** What the origin saw of each request: SNI and Host. */
const seen: Array<{ sni: string | undefined; host: string | undefined }> = [];

beforeAll(async () => {
  pki = new Pki();
  root = pki.issue({ cn: "Mapping Root", ca: true });
  const leaf = pki.issue({ cn: "pico.test", san: ["pico.test", "www.pico.test"], issuer: root });
  server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
    seen.push({ sni: (req.socket as { servername?: string }).servername, host: req.headers.host });
    res.end(`served ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  udp = createSocket("udp4");
  udp.on("message", (msg, from) => udp.send(Buffer.concat([Buffer.from("echo:"), msg]), from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  udpPort = udp.address().port;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  udp.close();
  pki.dispose();
});

async function text(res: Response): Promise<string> {
  return res.text();
}

describe("curl's syntax", () => {
  it("parses --resolve, with brackets, lists, '+' and the '*' host", () => {
    expect(parseResolve("Example.COM:443:127.0.0.1")).toEqual({ host: "example.com", port: 443, addresses: ["127.0.0.1"] });
    expect(parseResolve("+h:80:[::1],10.0.0.1")).toEqual({ host: "h", port: 80, addresses: ["::1", "10.0.0.1"] });
    expect(parseResolve("*:443:127.0.0.2")).toEqual({ host: "*", port: 443, addresses: ["127.0.0.2"] });
  });

  it("parses --connect-to, empty fields meaning any / unchanged", () => {
    expect(parseConnectTo("a.test:443:b.test:8443")).toEqual({ host: "a.test", port: 443, toHost: "b.test", toPort: 8443 });
    expect(parseConnectTo("::127.0.0.1:")).toEqual({ toHost: "127.0.0.1" });
    expect(parseConnectTo("[::1]:443:[::2]:444")).toEqual({ host: "::1", port: 443, toHost: "::2", toPort: 444 });
  });

  it("rejects malformed rules with ERR_INVALID_ARG, before any stack exists", async () => {
    for (const bad of ["h:443", "h:0:127.0.0.1", "h:443:not-an-ip", ":443:127.0.0.1", "-h:443"]) {
      expect(() => parseResolve(bad), bad).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    }
    for (const bad of ["a:443:b", "a:x:b:1", "a:443:b:70000"]) {
      expect(() => parseConnectTo(bad), bad).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    }
    await expect(createNetwork({ resolve: ["nope"] })).rejects.toMatchObject({ code: "ERR_INVALID_ARG" });
    await expect(createNetwork({ connectTo: [{ host: "", toPort: 1 }] })).rejects.toMatchObject({ code: "ERR_INVALID_ARG" });
  });
});

describe("createNetwork({ resolve, connectTo })", () => {
  it("--resolve: a made-up name reaches the given address; SNI, Host and the certificate check keep the name", async () => {
    await using net = await createNetwork({ resolve: [`pico.test:${port}:127.0.0.1`], tls: { ca: root.certPem } });
    seen.length = 0;
    const res = await net.fetch(`https://pico.test:${port}/a`);
    expect(await text(res)).toBe("served /a");
    expect(seen).toEqual([{ sni: "pico.test", host: `pico.test:${port}` }]);
  });

  it("--resolve tries the addresses in order and the object form works too", async () => {
    await using net = await createNetwork({ resolve: [{ host: "pico.test", port, addresses: ["127.0.0.9", "127.0.0.1"] }], tls: { ca: root.certPem } });
    // 127.0.0.9 refuses (nothing listens there on that port), 127.0.0.1 answers.
    expect(await text(await net.fetch(`https://pico.test:${port}/b`))).toBe("served /b");
  });

  it("--resolve is per port: the same name on another port is left to the real DNS, which does not know it", async () => {
    await using net = await createNetwork({ resolve: [`pico.test:${port}:127.0.0.1`], tls: { ca: root.certPem } });
    await expect(net.fetch(`https://pico.test:${port === 65535 ? 1 : port + 1}/`)).rejects.toMatchObject({ code: "ERR_DNS_NOT_FOUND" });
  });

  it("--resolve '*' covers any name on that port, after the specific rules", async () => {
    await using net = await createNetwork({
      resolve: [`*:${port}:127.0.0.1`, `www.pico.test:${port}:127.0.0.9`],
      tls: { ca: root.certPem },
    });
    expect(await text(await net.fetch(`https://pico.test:${port}/star`))).toBe("served /star");
    // The specific rule wins over the wildcard: 127.0.0.9 refuses.
    await expect(net.fetch(`https://www.pico.test:${port}/`)).rejects.toMatchObject({ code: "ERR_CONNECTION_REFUSED" });
  });

  it("--connect-to: a request for HOST1:PORT1 goes to HOST2:PORT2; Host and SNI stay the URL's", async () => {
    await using net = await createNetwork({ connectTo: [`pico.test:443:localhost:${port}`], tls: { ca: root.certPem } });
    seen.length = 0;
    expect(await text(await net.fetch("https://pico.test/c"))).toBe("served /c");
    expect(seen).toEqual([{ sni: "pico.test", host: "pico.test" }]);
  });

  it("--connect-to first, then --resolve on the host actually connected to; the first matching rule wins", async () => {
    await using net = await createNetwork({
      connectTo: [`www.pico.test::backend.test:${port}`, "::nowhere.test:1"],
      resolve: [`backend.test:${port}:127.0.0.1`],
      tls: { ca: root.certPem },
    });
    seen.length = 0;
    expect(await text(await net.fetch("https://www.pico.test/d"))).toBe("served /d");
    expect(seen).toEqual([{ sni: "www.pico.test", host: "www.pico.test" }]);
  });

  it("a rule that sends a flow nowhere fails with the dialer's code, not a hang", async () => {
    await using net = await createNetwork({ connectTo: ["pico.test:443:127.0.0.9:1"], tls: { ca: root.certPem } });
    const e = await net.fetch("https://pico.test/").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LmwError);
    expect((e as LmwError).code).toBe("ERR_CONNECTION_REFUSED");
  });

  it("applies to UDP flows: a datagram to a --resolve'd name and to a --connect-to'd port reaches the real server", async () => {
    await using net = await createNetwork({
      resolve: [`echo.test:${udpPort}:127.0.0.1`],
      connectTo: [`other.test:7:127.0.0.1:${udpPort}`],
    });
    const sock = await net.openUdp();
    const reader = sock.readable.getReader();
    await sock.send(new TextEncoder().encode("one"), "echo.test", udpPort);
    expect(new TextDecoder().decode((await reader.read()).value!.data)).toBe("echo:one");
    await sock.send(new TextEncoder().encode("two"), "other.test", 7);
    expect(new TextDecoder().decode((await reader.read()).value!.data)).toBe("echo:two");
    reader.releaseLock();
    sock.close();
  });
});
