// The CLI's pieces on their own: the exit-code table, the progress bar, the test CA.
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../../ts-bindings/src/cli/exit-codes.js";
import { ProgressBar } from "../../ts-bindings/src/cli/progress.js";
import { formatWriteOut } from "../../ts-bindings/src/cli/write-out.js";
import { createTestCa } from "../../ts-bindings/src/node/testca.js";

describe("exit codes", () => {
  it("follow curl", () => {
    const cases: Array<[string, number]> = [
      ["ERR_DNS_NOT_FOUND", 6],
      ["ERR_CONNECTION_REFUSED", 7],
      ["ERR_HOST_UNREACHABLE", 7],
      ["ERR_TIMEOUT_CONNECT", 28],
      ["ERR_TIMEOUT_HANDSHAKE", 28],
      ["ERR_TIMEOUT_IDLE", 28],
      ["ERR_TIMEOUT", 28],
      ["ERR_TLS_HANDSHAKE_FAILED", 35],
      ["ERR_TLS_RECORD", 35],
      ["ERR_TLS_CERT_EXPIRED", 60],
      ["ERR_TLS_HOSTNAME_MISMATCH", 60],
      ["ERR_TLS_CERT_MISSING", 60],
      ["ERR_HTTP_STATUS", 22],
      ["ERR_USAGE", 2],
      ["ERR_HTTP_PARSE", 1],
    ];
    for (const [code, exit] of cases) expect([code, exitCodeFor(code)]).toEqual([code, exit]);
    expect(exitCodeFor("ERR_CONNECTION_RESET", true)).toBe(7);
    expect(exitCodeFor("ERR_CONNECTION_RESET", false)).toBe(1);
  });
});

describe("progress bar", () => {
  function bar(total?: number) {
    let t = 0;
    let text = "";
    const out = { columns: 60, write: (s: string) => (text += s) };
    const p = new ProgressBar(out, { total, now: () => t, delayMs: 300, intervalMs: 100 });
    return { p, at: (ms: number) => (t = ms), text: () => text };
  }

  it("stays hidden for short transfers, then redraws at most every 100 ms and clears itself", () => {
    const b = bar(1000);
    b.at(100);
    b.p.update(100);
    expect(b.text()).toBe("");
    b.at(400);
    b.p.update(500);
    for (let i = 0; i < 20; i++) b.p.update(500 + i); // same instant: no redraw
    expect(b.p.draws).toBe(1);
    expect(b.text()).toMatch(/^\r500 B \/ 1000 B +50% \[#+-+\] .*B\/s\x1b\[K$/);
    b.at(450);
    b.p.update(600);
    expect(b.p.draws).toBe(1);
    b.at(520);
    b.p.update(1000);
    expect(b.p.draws).toBe(2);
    expect(b.text()).toContain("100%");
    b.p.done();
    expect(b.text().endsWith("\r\x1b[K")).toBe(true);
  });

  it("shows bytes and rate when the length is unknown", () => {
    const b = bar();
    b.at(1000);
    b.p.update(2 * 1024 * 1024);
    expect(b.text()).toMatch(/^\r2\.00 MiB +2\.00 MiB\/s\x1b\[K$/);
  });

  it("never prints anything to clear when it never drew", () => {
    const b = bar(10);
    b.p.update(10);
    b.p.done();
    expect(b.text()).toBe("");
  });
});

describe("test CA", () => {
  it("issues a CA and a server certificate Node's X.509 parser accepts", () => {
    const { ca, leaf } = createTestCa({ dnsNames: ["localhost", "demo.test"], ips: ["127.0.0.1"] });
    const root = new X509Certificate(ca.certPem);
    const server = new X509Certificate(leaf.certPem);
    expect(root.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(server.verify(root.publicKey)).toBe(true);
    expect(server.checkIssued(root)).toBe(true);
    expect(server.checkHost("demo.test")).toBe("demo.test");
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.keyUsage).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    const now = Date.now();
    expect(Date.parse(server.validFrom)).toBeLessThan(now);
    expect(Date.parse(server.validTo)).toBeGreaterThan(now + 23 * 3600e3);
  });
});

describe("-w format", () => {
  const report = {
    status: 200, url: "https://h.test/x", redirects: 0, sizeDownload: 5, sizeHeader: 40,
    headers: [["Content-Type", "text/plain"], ["X-Two", "a"], ["x-two", "b"]] as Array<[string, string]>,
    remote: "198.18.0.1:443", local: "10.0.2.15:49153", httpVersion: "1.1", exitcode: 0, errormsg: "",
  };

  it("expands variables, %header{}, escapes and %%, and switches to stderr", () => {
    const w = formatWriteOut("%{http_code} %{content_type} %header{x-two} %{remote_ip}:%{remote_port} %{scheme}%%\\n%{stderr}err\\t%{local_port}", report);
    expect(w).toEqual({ stdout: "200 text/plain a, b 198.18.0.1:443 HTTPS%\n", stderr: "err\t49153", warnings: [] });
  });

  it("prints nothing for an unknown variable and warns about it, as curl does; 000 without a response", () => {
    const w = formatWriteOut("[%{nope}] %{http_code}", { ...report, status: 0 });
    expect(w.stdout).toBe("[] 000");
    expect(w.warnings).toEqual(["unknown --write-out variable: 'nope'"]);
  });
});
