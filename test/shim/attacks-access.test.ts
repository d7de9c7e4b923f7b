// Attacks of issue #10 part 4 on access, scaled down: unauthenticated sockets and
// tokens, hanging lookups, refused upgrades, host rules, origin, log size. In each, the
// relay stays alive and a well-behaved client is served.
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as shimMain } from "../../ts-bindings/src/cli/shim.js";
import { originAllowed } from "../../ts-bindings/src/shim/origin.js";
import { createShim, jsonLineLogger } from "../../ts-bindings/src/shim/server.js";
import { createToken, verifyToken } from "../../ts-bindings/src/shim/token.js";
import { CloseReason, PacketType, StreamType, encodeConnect } from "../../ts-bindings/src/wisp/packet.js";
import { RawWispClient, dial, echoWorks, openFds, shimWithEvents, startEcho, until, upgradeStatus, type EchoServer } from "./helpers.js";

let echo: EchoServer;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(() => echo.close());

describe("unauthenticated sockets", () => {
  const secret = "attack-secret-0123456789";

  it("garbage tokens are refused at the upgrade and hold no slot: a valid client still gets in", async () => {
    const { shim } = await shimWithEvents({ tokenSecret: secret, maxConnections: 4, maxConnectionsPerIp: 4 });
    const fds = openFds();
    try {
      const statuses = await Promise.all(Array.from({ length: 64 }, (_, i) => upgradeStatus(`${shim.url}?token=garbage${i}.x`)));
      expect(new Set(statuses)).toEqual(new Set([401]));
      const token = createToken({ secret, target: "*", ttlSeconds: 60 });
      expect(await echoWorks({ url: `${shim.url}?token=${encodeURIComponent(token)}` }, echo.port)).toBe(true);
      expect(shim.stats().connections).toBe(0);
    } finally {
      await shim.close();
    }
    await until(() => openFds() <= fds + 2);
  });

  it("the signature check rejects appended ==, !! and %20, at the upgrade and in verifyToken", async () => {
    const { shim } = await shimWithEvents({ tokenSecret: secret });
    try {
      const token = createToken({ secret, target: "*", ttlSeconds: 60 });
      expect(verifyToken(secret, token).ok).toBe(true);
      for (const tail of ["==", "!!", " "]) expect(verifyToken(secret, token + tail)).toEqual({ ok: false, why: "malformed" });
      for (const tail of ["==", "!!", "%20"]) expect(await upgradeStatus(`${shim.url}?token=${token}${tail}`)).toBe(401);
      expect(await upgradeStatus(`${shim.url}?token=${token}`)).toBe(101);
    } finally {
      await shim.close();
    }
  });

  it("tokens are multi-use until they expire by default; single use is an option", async () => {
    const multi = await createShim({ tokenSecret: secret });
    const single = await createShim({ tokenSecret: secret, singleUseTokens: true });
    try {
      const token = createToken({ secret, target: "*", ttlSeconds: 60 });
      for (let i = 0; i < 3; i++) expect(await upgradeStatus(`${multi.url}?token=${token}`)).toBe(101);
      expect(await upgradeStatus(`${single.url}?token=${token}`)).toBe(101);
      expect(await upgradeStatus(`${single.url}?token=${token}`)).toBe(401);
    } finally {
      await multi.close();
      await single.close();
    }
  });
});

describe("name lookups", () => {
  it("lookups that never answer: bounded in flight, another client is served, a departed client's queue is dropped", async () => {
    const calls: string[] = [];
    const { shim } = await shimWithEvents({
      maxLookups: 8,
      maxLookupsPerConnection: 2,
      maxLookupsPerIp: 4,
      maxQueuedLookups: 64,
      lookupTimeoutMs: 60_000,
      lookup: (name) => {
        calls.push(name);
        return name === "good.test" ? Promise.resolve([{ address: "127.0.0.1", family: 4 }]) : new Promise(() => {});
      },
    });
    const attacker = await RawWispClient.connect(shim.url);
    const client = await RawWispClient.connect(shim.url); // same address, its own turn
    try {
      for (let id = 1; id <= 64; id++) attacker.send(encodeConnect(id, StreamType.TCP, `hang${id}.test`, 80));
      await until(() => calls.length >= 2);
      expect(shim.stats().lookupsInFlight).toBe(2);
      expect(await dial(client, "good.test", echo.port, true)).toBe("data");
      await attacker.close();
      // Its 62 queued lookups never run, whatever frees up later.
      expect(await dial(client, "good.test", echo.port, true)).toBe("data");
      expect(calls.filter((c) => c.startsWith("hang")).length).toBe(2);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("a client that queues more than its share is throttled (CLOSE 0x49) and the overall limit holds", async () => {
    const { shim } = await shimWithEvents({ maxQueuedLookups: 4, lookup: () => new Promise(() => {}), lookupTimeoutMs: 60_000 });
    const attacker = await RawWispClient.connect(shim.url);
    try {
      for (let id = 1; id <= 10; id++) attacker.send(encodeConnect(id, StreamType.TCP, `hang${id}.test`, 80));
      expect(await attacker.next((p) => p.type === PacketType.CLOSE)).toMatchObject({ reason: CloseReason.THROTTLED });
      expect(shim.stats().lookupsInFlight).toBeLessThanOrEqual(2);
    } finally {
      attacker.ws.terminate();
      await shim.close();
    }
  });
});

describe("refused upgrades", () => {
  /** A raw client that upgrades and then never sends another byte (no close frame). */
  function silentUpgrade(port: number, path: string, headers = ""): Promise<string> {
    return new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
        );
      });
      let head = "";
      s.on("data", (d) => (head ||= d.toString("latin1").split("\r\n")[0]!));
      s.on("error", () => {});
      // The shim ends the socket: we see its FIN without ever answering.
      s.on("end", () => {
        s.destroy();
        resolve(head);
      });
    });
  }

  it("throttled, forbidden and unauthorised upgrades end their socket at once, not after a close handshake", async () => {
    // A close handshake of 10 minutes: only an immediate end lets this test finish.
    const { shim } = await shimWithEvents({ maxConnections: 1, closeTimeoutMs: 600_000, tokenSecret: undefined });
    const hog = await RawWispClient.connect(shim.url);
    const fds = openFds();
    try {
      const heads = await Promise.all(Array.from({ length: 100 }, () => silentUpgrade(shim.port, "/wisp/")));
      expect(new Set(heads)).toEqual(new Set(["HTTP/1.1 101 Switching Protocols"]));
      expect(await silentUpgrade(shim.port, "/wisp/", "Origin: https://evil.example\r\n")).toBe("HTTP/1.1 403 Forbidden");
      await until(() => openFds() <= fds + 2);
      expect(shim.stats().connections).toBe(1);
    } finally {
      await hog.close();
      await shim.close();
    }
  });
});

describe("host rules compare normalised addresses and names", () => {
  const lookup = async (name: string) => {
    if (name === "mapped.test") return [{ address: "::ffff:127.0.0.1", family: 6 }];
    return [{ address: "127.0.0.1", family: 4 }];
  };

  it("--deny-host 127.0.0.1 is not bypassed by IPv4-mapped IPv6 spellings or a mapped AAAA record", async () => {
    const shim = await createShim({ allowLoopback: true, denyHosts: ["127.0.0.1"], lookup });
    const client = await RawWispClient.connect(shim.url);
    const before = echo.connections;
    try {
      for (const host of ["::ffff:127.0.0.1", "::ffff:7f00:1", "[::ffff:127.0.0.1]", "0:0:0:0:0:ffff:7f00:1", "mapped.test", "127.1"]) {
        expect(await dial(client, host, echo.port, true), host).toBe(CloseReason.BLOCKED);
      }
      expect(echo.connections).toBe(before);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("trailing dots and case do not bypass deny rules; *.example.com covers a.example.com.", async () => {
    const shim = await createShim({ allowLoopback: true, denyHosts: ["denied.test", "*.example.com"], lookup });
    const client = await RawWispClient.connect(shim.url);
    try {
      for (const host of ["denied.test.", "DENIED.test", "Denied.Test.", "a.example.com.", "A.EXAMPLE.COM"]) {
        expect(await dial(client, host, echo.port, true), host).toBe(CloseReason.BLOCKED);
      }
      expect(await dial(client, "other.test.", echo.port, true)).toBe("data");
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("CIDR blocks are supported in --deny-host and --allow-host; a rule that is not one is refused", async () => {
    const shim = await createShim({ allowLoopback: true, denyHosts: ["127.0.0.0/8"], lookup });
    const client = await RawWispClient.connect(shim.url);
    try {
      for (const host of ["127.0.0.1", "127.0.0.2", "::ffff:127.0.0.9", "name.test"]) {
        expect(await dial(client, host, echo.port, true), host).toBe(CloseReason.BLOCKED);
      }
    } finally {
      await client.close();
      await shim.close();
    }
    const allow = await createShim({ allowLoopback: true, allowHosts: ["127.0.0.0/30", "*.allowed.test"], lookup });
    const c2 = await RawWispClient.connect(allow.url);
    try {
      expect(await dial(c2, "127.0.0.1", echo.port, true)).toBe("data");
      expect(await dial(c2, "::ffff:127.0.0.1", echo.port, true)).toBe("data");
      expect(await dial(c2, "x.allowed.test.", echo.port, true)).toBe("data");
      expect(await dial(c2, "127.0.0.8", echo.port)).toBe(CloseReason.BLOCKED);
      expect(await dial(c2, "allowed.test.", echo.port)).toBe(CloseReason.BLOCKED);
      expect(await dial(c2, "name.test", echo.port)).toBe(CloseReason.BLOCKED); // resolves into the block, but is not named
    } finally {
      await c2.close();
      await allow.close();
    }
    for (const bad of ["127.0.0.0/33", "10.0.0.1/8", "::1/129", "bad host!", " spaced.test", ""]) {
      await expect(createShim({ denyHosts: [bad] }), bad).rejects.toMatchObject({ code: "ERR_INVALID_ARG" });
    }
  });
});

describe("smaller items", () => {
  it("--origin with leading or trailing white space is refused (API and CLI)", async () => {
    for (const o of [" https://app.example", "https://app.example ", "https://app.example/path"]) {
      await expect(createShim({ origins: [o] })).rejects.toMatchObject({ code: "ERR_INVALID_ARG" });
    }
    let stderr = "";
    const code = await shimMain(["--port", "0", "--origin", " https://app.example"], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      stopped: new Promise(() => {}),
    });
    expect(code).toBe(2);
    expect(stderr).toContain("white space");
    const code2 = await shimMain(["--port", "0", "--deny-host", "10.0.0.1/8"], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stopped: new Promise(() => {}),
    });
    expect(code2).toBe(2);
  });

  it("listening on 0.0.0.0 with no --origin, an Origin merely equal to the Host name does not pass", () => {
    const wild = { origins: undefined, listenIsLoopback: false };
    expect(originAllowed("http://127.0.0.1.nip.io:8080", "127.0.0.1.nip.io:8080", wild)).toBe(false);
    expect(originAllowed("http://shim.example:8080", "shim.example:8080", wild)).toBe(false);
    expect(originAllowed("http://192.0.2.7:8080", "192.0.2.7:8080", wild)).toBe(true); // a page loaded from that address
    expect(originAllowed(undefined, "anything", wild)).toBe(true); // not a browser
    const loop = { origins: undefined, listenIsLoopback: true };
    expect(originAllowed("http://localhost:8080", "localhost:8080", loop)).toBe(true);
    expect(originAllowed("http://127.0.0.1.nip.io:8080", "127.0.0.1.nip.io:8080", loop)).toBe(false);
    expect(originAllowed("https://app.example", "x", { origins: ["https://app.example"], listenIsLoopback: false })).toBe(true);
  });

  it("a refused CONNECT writes less log than its own size", async () => {
    let logBytes = 0;
    const shim = await createShim({ logger: jsonLineLogger((line) => (logBytes += line.length)) });
    const client = await RawWispClient.connect(shim.url);
    try {
      const before = logBytes;
      let connectBytes = 0;
      for (let id = 1; id <= 500; id++) {
        const p = encodeConnect(id, StreamType.TCP, "127.0.0.1", 80);
        connectBytes += p.length;
        client.send(p);
      }
      await client.next((p) => p.type === PacketType.CLOSE && p.streamId === 500);
      expect(logBytes - before).toBeLessThan(connectBytes);
    } finally {
      await client.close();
      await shim.close();
    }
  });
});
