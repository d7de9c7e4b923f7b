// The shim's outbound policy, origin check and tokens, against real servers on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { createToken } from "../../ts-bindings/src/shim/token.js";
import { connectErrorReason } from "../../ts-bindings/src/shim/policy.js";
import { CloseReason } from "../../ts-bindings/src/wisp/packet.js";
import { RawWispClient, dial, startEcho, upgradeStatus, type EchoServer } from "./helpers.js";

describe("default policy: loopback and private targets are refused", () => {
  let echo: EchoServer;
  let shim: Shim;
  let client: RawWispClient;
  const lookups: string[] = [];
  beforeAll(async () => {
    echo = await startEcho();
    shim = await createShim({
      lookup: async (name) => {
        lookups.push(name);
        if (name === "localhost") return [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }];
        if (name === "rebind.test") return [{ address: "127.0.0.1", family: 4 }];
        if (name === "mixed.test") return [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.5", family: 4 }];
        if (name === "mapped.test") return [{ address: "::ffff:127.0.0.1", family: 6 }];
        throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      },
    });
    client = await RawWispClient.connect(shim.url);
  });
  afterAll(async () => {
    await client.close();
    await shim.close();
    await echo.close();
  });

  const loopbackForms = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "localhost", "[::]", "[::1]", "64:ff9b::7f00:1", "rebind.test", "mapped.test"];
  it.each(loopbackForms)("refuses %s with CLOSE 0x48", async (host) => {
    expect(await dial(client, host, echo.port, true)).toBe(CloseReason.BLOCKED);
  });

  it.each(["10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "fe80::1", "fd00::1", "fc00::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "224.0.0.1", "255.255.255.255", "mixed.test"])(
    "refuses %s with CLOSE 0x48",
    async (host) => {
      expect(await dial(client, host, 80)).toBe(CloseReason.BLOCKED);
    },
  );

  it("the echo server saw no connection at all", () => {
    expect(echo.connections).toBe(0);
  });

  it("names are resolved by the shim (an unknown name is 0x45, not resolved) and bad names are invalid (0x41)", async () => {
    expect(await dial(client, "no-such-name.test", 80)).toBe(CloseReason.NAME_NOT_RESOLVED);
    expect(await dial(client, "bad name!", 80)).toBe(CloseReason.INVALID_INFO);
    expect(await dial(client, "example.com", 0)).toBe(CloseReason.INVALID_INFO);
    expect(lookups).toContain("localhost");
  });
});

describe("opting in", () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEcho();
  });
  afterAll(() => echo.close());

  it("allowLoopback reaches the echo server; private stays refused", async () => {
    const shim = await createShim({ allowLoopback: true });
    const client = await RawWispClient.connect(shim.url);
    try {
      expect(await dial(client, "127.1", echo.port, true)).toBe("data");
      expect(echo.connections).toBe(1);
      expect(await dial(client, "10.0.0.1", echo.port)).toBe(CloseReason.BLOCKED);
      expect(await dial(client, "224.0.0.1", echo.port)).toBe(CloseReason.BLOCKED);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("a resolved name is looked up once, and the checked address is the one dialled", async () => {
    let calls = 0;
    const shim = await createShim({
      allowLoopback: true,
      lookup: async () => {
        calls++;
        return [{ address: "127.0.0.1", family: 4 }];
      },
    });
    const client = await RawWispClient.connect(shim.url);
    try {
      expect(await dial(client, "echo.test", echo.port, true)).toBe("data");
      expect(calls).toBe(1);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("a name lookup that never answers ends in CLOSE 0x43", async () => {
    const shim = await createShim({ lookupTimeoutMs: 50, lookup: () => new Promise(() => {}) });
    const client = await RawWispClient.connect(shim.url);
    try {
      expect(await dial(client, "slow.test", 80)).toBe(CloseReason.CONNECT_TIMEOUT);
    } finally {
      await client.close();
      await shim.close();
    }
  });

  it("host and port allow/deny lists", async () => {
    const shim = await createShim({
      allowLoopback: true,
      allowHosts: ["127.0.0.1", "*.allowed.test"],
      denyPorts: [[1, 1023]],
      lookup: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    const client = await RawWispClient.connect(shim.url);
    try {
      expect(await dial(client, "127.0.0.1", echo.port, true)).toBe("data");
      expect(await dial(client, "a.allowed.test", echo.port, true)).toBe("data");
      expect(await dial(client, "allowed.test", echo.port)).toBe(CloseReason.BLOCKED);
      expect(await dial(client, "other.test", echo.port)).toBe(CloseReason.BLOCKED);
      expect(await dial(client, "127.0.0.1", 80)).toBe(CloseReason.BLOCKED);
    } finally {
      await client.close();
      await shim.close();
    }
    const shim2 = await createShim({ allowLoopback: true, denyHosts: ["127.0.0.1"], allowPorts: [echo.port] });
    const client2 = await RawWispClient.connect(shim2.url);
    try {
      expect(await dial(client2, "2130706433", echo.port)).toBe(CloseReason.BLOCKED); // deny list sees through spellings
      expect(await dial(client2, "::1", echo.port + 1 > 65535 ? 1 : echo.port + 1)).toBe(CloseReason.BLOCKED);
    } finally {
      await client2.close();
      await shim2.close();
    }
  });
});

describe("origin check", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await createShim();
  });
  afterAll(() => shim.close());

  it("refuses a foreign Origin with 403, accepts same-origin and no Origin", async () => {
    const host = `127.0.0.1:${shim.port}`;
    expect(await upgradeStatus(shim.url, { Origin: "https://evil.example" })).toBe(403);
    expect(await upgradeStatus(shim.url, { Origin: `http://${host}` })).toBe(101);
    expect(await upgradeStatus(shim.url)).toBe(101);
    // A DNS-rebound page: same-origin on paper, but not a loopback Host for a loopback shim.
    expect(await upgradeStatus(shim.url, { Origin: `http://rebind.test:${shim.port}`, Host: `rebind.test:${shim.port}` })).toBe(403);
  });

  it("honours an explicit origins list", async () => {
    const s = await createShim({ origins: ["https://app.example"] });
    try {
      expect(await upgradeStatus(s.url, { Origin: "https://app.example" })).toBe(101);
      expect(await upgradeStatus(s.url, { Origin: `http://127.0.0.1:${s.port}` })).toBe(403);
    } finally {
      await s.close();
    }
  });
});

describe("token auth", () => {
  const secret = "test-secret-0123456789";
  let echo: EchoServer;
  let shim: Shim;
  beforeAll(async () => {
    echo = await startEcho();
    shim = await createShim({ allowLoopback: true, tokenSecret: secret });
  });
  afterAll(async () => {
    await shim.close();
    await echo.close();
  });

  it("no token: 401 at upgrade", async () => {
    expect(await upgradeStatus(shim.url)).toBe(401);
  });

  it("a good token for the target works; wildcard works", async () => {
    for (const target of [`127.0.0.1:${echo.port}`, "*"]) {
      const token = createToken({ secret, target, ttlSeconds: 60 });
      const client = await RawWispClient.connect(`${shim.url}?token=${encodeURIComponent(token)}`);
      try {
        expect(await dial(client, "127.0.0.1", echo.port, true)).toBe("data");
      } finally {
        await client.close();
      }
    }
  });

  it("expired, forged, tampered or garbage tokens: 401 at the upgrade; a token for another target: CLOSE 0x48", async () => {
    const expired = createToken({ secret, target: "*", ttlSeconds: 60, now: Date.now() - 120_000 });
    const wrongTarget = createToken({ secret, target: `127.0.0.1:${echo.port + 1}`, ttlSeconds: 60 });
    const forged = createToken({ secret: "not-the-secret", target: "*", ttlSeconds: 60 });
    const good = createToken({ secret, target: "*", ttlSeconds: 60 });
    const tampered = good.replace(/^[^.]+/, Buffer.from(JSON.stringify({ t: "*", e: 9999999999 })).toString("base64url"));
    const before = echo.connections;
    for (const token of [expired, forged, tampered, "garbage"]) {
      expect(await upgradeStatus(`${shim.url}?token=${encodeURIComponent(token)}`)).toBe(401);
    }
    const client = await RawWispClient.connect(`${shim.url}?token=${encodeURIComponent(wrongTarget)}`);
    try {
      expect(await dial(client, "127.0.0.1", echo.port, true)).toBe(CloseReason.BLOCKED);
    } finally {
      await client.close();
    }
    expect(echo.connections).toBe(before);
  });
});

describe("one close reason per cause (what the Wisp dialer maps to its codes)", () => {
  it("unknown host 0x45, refused 0x44, lookup timeout 0x43, blocked 0x48, unreachable 0x42", async () => {
    const closed = await startEcho();
    const port = closed.port;
    await closed.close(); // nothing listens there any more
    const shim = await createShim({
      allowLoopback: true,
      denyPorts: [9],
      lookupTimeoutMs: 50,
      lookup: (name) =>
        name === "hang.test"
          ? new Promise(() => {})
          : Promise.reject(Object.assign(new Error("not found"), { code: "ENOTFOUND" })),
    });
    const client = await RawWispClient.connect(shim.url);
    try {
      expect(await dial(client, "no-such-name.test", 80)).toBe(CloseReason.NAME_NOT_RESOLVED);
      expect(await dial(client, "127.0.0.1", port)).toBe(CloseReason.REFUSED);
      expect(await dial(client, "hang.test", 80)).toBe(CloseReason.CONNECT_TIMEOUT);
      expect(await dial(client, "127.0.0.1", 9)).toBe(CloseReason.BLOCKED);
    } finally {
      await client.close();
      await shim.close();
    }
    // No route is not something loopback can produce: the mapping itself.
    for (const code of ["ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL"]) {
      expect(connectErrorReason(Object.assign(new Error(code), { code }))).toBe(CloseReason.UNREACHABLE);
    }
    expect(connectErrorReason(Object.assign(new Error("x"), { code: "ETIMEDOUT" }))).toBe(CloseReason.CONNECT_TIMEOUT);
    expect(connectErrorReason(Object.assign(new Error("x"), { code: "EACCES" }))).toBe(CloseReason.UNKNOWN);
  });
});
