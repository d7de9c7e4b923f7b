// examples/pico/sntp_client, built natively and to WASM, against a real NTP responder on
// loopback: lwIP's sntp app must ask it (SNTPv4, client mode), take its answer, set the
// always-on timer, and print the date the timer then holds - exactly the server's.
import { describe, expect, it, vi } from "vitest";

import { Scheduler } from "../../ts-bindings/src/pico/deterministic.js";
import { ntpResponder } from "../helpers/ntp.js";
import { PLATFORMS, picoBuild, runOnNewNetwork } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

describe.each(PLATFORMS)("the SNTP client, %s", (platform) => {
  it("sets its clock from the server's transmit time and prints that date", async () => {
    const [artifact] = await picoBuild("sntp_client", platform, ["sntp_client"]);
    // An odd date, far from the host's clock and from deterministic mode's fixed one.
    await using ntp = await ntpResponder(Date.UTC(2031, 6, 9, 13, 37, 42) / 1000);
    // pool.ntp.org:123 (the program's server) is sent to the responder's port on 127.0.0.1.
    const r = await runOnNewNetwork(artifact!, { connectTo: [`pool.ntp.org:123::${ntp.port}`], resolve: [`pool.ntp.org:${ntp.port}:127.0.0.1`] });
    expect(r.out).toContain("asking pool.ntp.org the time");
    expect(r.out).toMatch(/^time set: 2031-07-09 13:37:42 UTC$/m);
    expect(r.exitCode).toBe(0);
    // What the server saw: one SNTPv4 client request (lwIP's sntp, SNTP_VERSION 4, mode 3).
    expect(ntp.requests.map((q) => [q.version, q.mode])).toEqual([[4, 3]]);
  });

  it("without an answer it says so and fails", async () => {
    const [artifact] = await picoBuild("sntp_client", platform, ["sntp_client"]);
    // The name resolves, but nothing answers on the port it is sent to: the responder is
    // made and closed, so its port is free.
    let port: number;
    {
      await using gone = await ntpResponder(0);
      port = gone.port;
    }
    // Deterministic mode: its virtual clock runs the program's 20 s wait at once.
    const r = await runOnNewNetwork(artifact!, { connectTo: [`pool.ntp.org:123::${port}`], resolve: [`pool.ntp.org:${port}:127.0.0.1`] }, undefined, {
      deterministic: { seed: 1, clock: new Scheduler() },
    });
    expect(r.out).toContain("no time from pool.ntp.org within 20 s");
    expect(r.out).not.toContain("time set:");
    expect(r.exitCode).toBe(1);
  });
});
