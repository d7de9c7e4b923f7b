// Native vs WASM, byte for byte: the scenario of native/harness/crosscheck_scenario.h (a
// TLS client and server on two lwIP stacks, seeded randomness, a virtual clock) run by
// the native harness (liblmw.so loaded twice with dlmopen) and here over two instances of
// the WASM module. Every Ethernet frame on the link must be identical.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LmwEvent } from "../ts-bindings/src/ffi/generated/exports.js";
import { Memory } from "../ts-bindings/src/ffi/memory.js";
import { instantiate, type LmwModule } from "../ts-bindings/src/ffi/module.js";
import { Pki, type Cert } from "./helpers/pki.js";

const M64 = (1n << 64n) - 1n;

/** xorshift64*, as in crosscheck_scenario.h. */
class XorShift {
  #s: bigint;
  constructor(seed: number) {
    this.#s = (BigInt(seed) * 0x9e3779b97f4a7c15n + 1n) & M64;
  }
  next(): bigint {
    let x = this.#s;
    x ^= x >> 12n;
    x ^= (x << 25n) & M64;
    x ^= x >> 27n;
    this.#s = x;
    return (x * 0x2545f4914f6cdd1dn) & M64;
  }
  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i += 8) {
      const v = this.next();
      for (let j = 0; j < 8 && i + j < buf.length; j++) buf[i + j] = Number((v >> BigInt(8 * j)) & 0xffn);
    }
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

async function runWasm(ca: string, cert: string, key: string, wallTime: number, maxVersion: number): Promise<string> {
  let nowMs = 1000;
  const frames: [number, Uint8Array][] = [];
  const events: [number, number, number, number][] = [];
  const mods: LmwModule[] = [];
  for (const side of [0, 1]) {
    const rng = new XorShift(side + 1);
    mods.push(await instantiate({
      nowMs: () => nowMs,
      wallTimeS: () => wallTime,
      random: (buf) => (rng.fill(buf), 0),
      log: () => {},
      event: (object, kind, arg) => events.push([side, object, kind, arg]),
      linkOutput: (_id, frame) => frames.push([side, frame]),
      routerUdp: () => {},
      appData: () => {},
      print: () => {},
    }));
  }
  const [a, b] = mods as [LmwModule, LmwModule];
  const [ma, mb] = [new Memory(a), new Memory(b)];
  const out: string[] = [];
  const u32 = (m: Memory, f: (p: number) => number) => {
    using o = m.alloc(4);
    expect(f(o.ptr)).toBe(0);
    return o.u32();
  };
  expect(a._lmw_init()).toBe(0);
  expect(b._lmw_init()).toBe(0);
  const netif = (mod: LmwModule, m: Memory, mac: number[], ip: string, gw: string) => {
    using macA = m.bytes(Uint8Array.from(mac));
    using ipA = m.cstring(ip);
    using maskA = m.cstring("255.255.255.0");
    using gwA = m.cstring(gw);
    return u32(m, (p) => mod._lmw_netif_add(1, macA.ptr, ipA.ptr, maskA.ptr, gwA.ptr, 1, p));
  };
  const nif = [netif(a, ma, [2, 0, 0, 0, 0, 0x0f], "10.0.2.15", "10.0.2.2"), netif(b, mb, [2, 0, 0, 0, 0, 2], "10.0.2.2", "0.0.0.0")];
  const scfg = (() => {
    using c = mb.bytes(new TextEncoder().encode(cert));
    using k = mb.bytes(new TextEncoder().encode(key));
    return u32(mb, (p) => b._lmw_tls_config_server(c.ptr, c.size, k.ptr, k.size, p));
  })();
  b._lmw_tls_config_set_versions(scfg, 0, maxVersion);
  const listener = u32(mb, (p) => b._lmw_conn_new_server(100, scfg, p));
  {
    using any = mb.cstring("0.0.0.0");
    expect(b._lmw_conn_listen(listener, any.ptr, 443, 4)).toBe(0);
  }
  const ccfg = (() => {
    using c = ma.bytes(new TextEncoder().encode(ca));
    return u32(ma, (p) => a._lmw_tls_config_client(c.ptr, c.size, 0, p));
  })();
  a._lmw_tls_config_set_versions(ccfg, 0, maxVersion);
  const client = u32(ma, (p) => a._lmw_conn_new(200, ccfg, p));
  {
    using h = ma.cstring("localhost");
    expect(a._lmw_conn_set_hostname(client, h.ptr)).toBe(0);
    using ip = ma.cstring("10.0.2.2");
    expect(a._lmw_conn_connect(client, ip.ptr, 443)).toBe(0);
  }
  let server = 0;
  let received = "";
  let clientClosed = false;
  let serverClosed = false;
  const read = (mod: LmwModule, m: Memory, conn: number): Uint8Array => {
    using buf = m.alloc(256);
    using n = m.alloc(4);
    mod._lmw_conn_read(conn, buf.ptr, 256, n.ptr);
    return m.copyOut(buf.ptr, n.u32());
  };
  const write = (mod: LmwModule, m: Memory, conn: number, data: Uint8Array) => {
    using buf = m.bytes(data);
    using n = m.alloc(4);
    mod._lmw_conn_write(conn, buf.ptr, data.length, n.ptr);
  };
  let fh = 0;
  let eh = 0;
  for (let step = 0; step < 100000; step++) {
    if (fh < frames.length) {
      const [side, frame] = frames[fh++]!;
      out.push(`${side} ${hex(frame)}`);
      const [mod, m] = side === 0 ? [b, mb] : [a, ma];
      using f = m.bytes(frame);
      mod._lmw_netif_input(nif[1 - side]!, f.ptr, frame.length);
      continue;
    }
    if (eh < events.length) {
      const [side, object, kind] = events[eh++]!;
      if (side === 1 && object === 100 && kind === LmwEvent.ACCEPT) {
        server = u32(mb, (p) => b._lmw_conn_accept(listener, 101, p));
      } else if (side === 0 && object === 200 && kind === LmwEvent.CONNECTED) {
        write(a, ma, client, new TextEncoder().encode("hello"));
      } else if (side === 1 && object === 101 && kind === LmwEvent.READABLE && server) {
        const got = read(b, mb, server);
        write(b, mb, server, new Uint8Array([...new TextEncoder().encode("echo:"), ...got]));
        b._lmw_conn_close(server);
        serverClosed = true;
      } else if (side === 0 && object === 200 && kind === LmwEvent.READABLE) {
        received += new TextDecoder().decode(read(a, ma, client));
      } else if (side === 0 && object === 200 && (kind === LmwEvent.EOF || kind === LmwEvent.ERROR)) {
        if (!clientClosed) a._lmw_conn_close(client);
        clientClosed = true;
      }
      continue;
    }
    if (clientClosed && serverClosed && step > 0) break;
    nowMs += 100;
    a._lmw_timers_run();
    b._lmw_timers_run();
  }
  out.push(`received ${received}`);
  return out.join("\n") + "\n";
}

let pki: Pki;
let root: Cert;
let leaf: Cert;
beforeAll(() => {
  pki = new Pki();
  root = pki.issue({ cn: "Crosscheck Root", ca: true });
  leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
});
afterAll(() => pki.dispose());

describe("native and WASM builds put the same bytes on the wire", () => {
  for (const [name, version] of [["TLS 1.3", 0x0304], ["TLS 1.2", 0x0303]] as const) {
    it(`${name} handshake and echo between two stacks`, async () => {
      const wall = Math.floor(Date.now() / 1000);
      const native = execFileSync("build/native/lmw_crosscheck", [
        "build/native/liblmw.so", root.certFile, leaf.certFile, leaf.keyFile, String(wall), `0x${version.toString(16)}`,
      ], { encoding: "utf8" });
      const wasm = await runWasm(readFileSync(root.certFile, "utf8"), readFileSync(leaf.certFile, "utf8"),
        readFileSync(leaf.keyFile, "utf8"), wall, version);
      expect(native.trim().split("\n").at(-1)).toBe("received echo:hello");
      expect(native.split("\n").length).toBeGreaterThan(10);
      expect(wasm).toBe(native);
    });
  }
});
