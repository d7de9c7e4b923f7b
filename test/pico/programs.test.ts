// The examples/pico programs, built natively and to WASM, run on a virtual network against
// real local servers: the TCP client and server, the book's HTTPS client, the UDP sender
// and the NTP client. Each program's own output and exit status say whether it worked.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer, type AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";

import { CaptureDecoder } from "../../ts-bindings/src/link/decode/index.js";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { runPicoProgram } from "../../ts-bindings/src/pico/run.js";
import { udpSink } from "../helpers/echo.js";
import { ntpResponder } from "../helpers/ntp.js";
import { HTTPS_HOST, PASSWORD, PLATFORMS, picoBuild, runOnNewNetwork as run, SSID, testPki } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

async function echoServer() {
  const server = createServer((c) => {
    c.on("error", () => {}); // the program's side may reset
    c.on("data", (d) => c.write(d));
    c.on("end", () => c.end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, [Symbol.asyncDispose]: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(PLATFORMS)("Pico programs, %s", (platform) => {
  it("the TCP client (poll mode) echoes a line through a local server, reached with --connect-to", async () => {
    const [artifact] = await picoBuild("tcp_client", platform, ["tcp_client_poll"]);
    await using echo = await echoServer();
    // The program connects to 10.0.2.2:7007 (the host's loopback, as in QEMU); the rule
    // sends the flow to the echo server's port instead.
    const r = await run(artifact!, { connectTo: [`127.0.0.1:7007:127.0.0.1:${echo.port}`] });
    expect(r.out).toContain("Connected, address 10.0.2.15");
    expect(r.out).toContain("received 28 bytes: hello from a Pico W program");
    expect(r.out).toContain("test passed");
    expect(r.exitCode).toBe(0);
  });

  it("the TCP client in background mode: lwIP runs while main sleeps", async () => {
    const [artifact] = await picoBuild("tcp_client", platform, ["tcp_client_background"]);
    await using echo = await echoServer();
    const r = await run(artifact!, { connectTo: [`127.0.0.1:7007:127.0.0.1:${echo.port}`] });
    expect(r.out).toContain("test passed");
    expect(r.exitCode).toBe(0);
  });

  it("the TCP server is reached from the host through --forward", async () => {
    const [artifact] = await picoBuild("tcp_server", platform, ["tcp_server"]);
    await using network = await createNetwork({ device: false, forward: ["tcp:0:4242"] });
    const hostPort = network.forwards[0]!.hostPort;
    let out = "";
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const done = runPicoProgram(network, artifact!, {
      ssid: SSID,
      password: PASSWORD,
      stdout: (t) => {
        out += t;
        if (out.includes("listening on")) listening();
      },
      signal: AbortSignal.timeout(60_000),
    });
    done.catch(() => {});
    await Promise.race([ready, done]);
    const socket = connect(hostPort, "127.0.0.1");
    await once(socket, "connect");
    socket.end("ping through the forward\n");
    let echoed = "";
    for await (const chunk of socket) echoed += String(chunk);
    expect(echoed).toBe("ping through the forward\n");
    const { exitCode } = await done;
    expect(exitCode).toBe(0);
    expect(out).toContain("client closed after 25 bytes");
  });

  it("the UDP sender's datagrams reach a local socket", async () => {
    const [artifact] = await picoBuild("udp_sender", platform, ["udp_sender"]);
    const sink = await udpSink();
    try {
      const r = await run(artifact!, { connectTo: [`127.0.0.1:7008:127.0.0.1:${sink.port}`] });
      expect(r.exitCode).toBe(0);
      expect(r.out).toContain("sent beacon 3");
      await expect.poll(() => sink.got).toEqual(["beacon 1", "beacon 2", "beacon 3"]);
    } finally {
      sink.close();
    }
  });

  it("the NTP client asks pool.ntp.org, which --connect-to and --resolve point at a local server", async () => {
    const [artifact] = await picoBuild("ntp_client", platform, ["ntp_client"]);
    await using ntp = await ntpResponder(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
    // The flow to pool.ntp.org:123 goes to port `ntp.port` of the same name, which resolves
    // to 127.0.0.1: no real DNS is asked.
    const r = await run(artifact!, { connectTo: [`pool.ntp.org:123::${ntp.port}`], resolve: [`pool.ntp.org:${ntp.port}:127.0.0.1`] });
    expect(r.out).toContain("got ntp response");
    expect(r.out).toContain("02/01/2026 03:04:05");
    expect(r.exitCode).toBe(0);
    expect(ntp.requests.map((q) => [q.version, q.mode])).toEqual([[3, 3]]);
  });

  it("the book's HTTPS client: blocking main loop, certificate verified, response printed", async () => {
    const pki = testPki();
    const [artifact] = await picoBuild("https_client", platform, ["https_client"], { HTTPS_CA_FILE: pki.ca });
    const server = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (req, res) => {
      res.end(`hello ${req.headers.host} from https\n`);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await run(artifact!, { connectTo: [`${HTTPS_HOST}:443:127.0.0.1:${port}`] });
      expect(r.out).toContain("HTTP/1.1 200 OK");
      expect(r.out).toContain(`hello ${HTTPS_HOST} from https`);
      expect(r.out).toContain("test passed");
      expect(r.exitCode).toBe(0);
    } finally {
      server.close();
    }
  });

  it("the HTTPS client's key log decrypts its own capture: the GET and the response in plaintext", async () => {
    const pki = testPki();
    const [artifact] = await picoBuild("https_client", platform, ["https_client"], { HTTPS_CA_FILE: pki.ca });
    const server = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (_req, res) => res.end("key log check\n"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const port = (server.address() as AddressInfo).port;
      const capture = new CaptureDecoder();
      const keyLog: string[] = [];
      await using network = await createNetwork({
        device: false,
        connectTo: [`${HTTPS_HOST}:443:127.0.0.1:${port}`],
        onFrame: (frame) => capture.add(frame.slice()),
      });
      const r = await runPicoProgram(network, artifact!, {
        ssid: SSID,
        password: PASSWORD,
        onKeyLog: (line) => keyLog.push(line),
        signal: AbortSignal.timeout(60_000),
      });
      expect(r.exitCode).toBe(0);
      // One TLS 1.2 connection (the book's configuration has no TLS 1.3): one master secret.
      expect(keyLog).toHaveLength(1);
      expect(keyLog[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
      for (const line of keyLog) capture.addKeyLogLine(line);
      const text = { client: "", server: "" };
      for (const rec of capture.frames.flatMap((f) => f.tls)) {
        const d = await capture.decrypt(rec);
        if (d.ok && d.type === 23) text[rec.fromClient ? "client" : "server"] += new TextDecoder().decode(d.plaintext);
      }
      expect(text.client).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: pico\.test\r\n/);
      expect(text.server).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text.server).toContain("key log check\n");
    } finally {
      server.close();
    }
  });
});
