// Builds of the examples/pico programs for the tests: one configuration per program and
// platform, the same in every test file, so each is built once per `npm test` (the build
// cache, build/pico, makes a later call a quick up-to-date check) and kept across runs.
import { join, resolve } from "node:path";
import { createNetwork, type NetworkOptions } from "../../ts-bindings/src/network.js";
import { testCaFiles, type TestCaFiles } from "../../ts-bindings/src/node/testca.js";
import { buildPicoProgram, cacheRoot, type PicoPlatform } from "../../ts-bindings/src/pico/build.js";
import { runPicoProgram, type PicoRunOptions } from "../../ts-bindings/src/pico/run.js";

export const EXAMPLES = resolve(import.meta.dirname, "../../examples/pico");
export const SSID = "picow-lab";
export const PASSWORD = "secret123";
export const HTTPS_HOST = "pico.test";
/** The first DHCP lease: the address of the first program on a network. */
export const FIRST_LEASE = "10.0.2.15";

/** A CA and a certificate for HTTPS_HOST and FIRST_LEASE (a server program), kept beside
 *  the build cache (the programs compile the CA in, so a new CA per run would rebuild them
 *  every time) and made again when it expires. The example programs do not check
 *  certificate dates (no clock on a Pico W); Node's clients of their servers do. */
export function testPki(): TestCaFiles {
  return testCaFiles(join(cacheRoot(), "test-pki"), { dnsNames: [HTTPS_HOST], ips: [FIRST_LEASE] });
}

const builds = new Map<string, Promise<string[]>>();

/** The artifacts of `targets` in examples/pico/<folder>, built once per process. */
export function picoBuild(folder: string, platform: PicoPlatform, targets: string[], defines: Record<string, string> = {}): Promise<string[]> {
  const all = { WIFI_SSID: SSID, WIFI_PASSWORD: PASSWORD, ...defines };
  const key = JSON.stringify([folder, platform, targets, all]);
  let b = builds.get(key);
  if (!b) {
    b = buildPicoProgram({ folder: join(EXAMPLES, folder), platform, targets, defines: all });
    builds.set(key, b);
  }
  return b;
}

export const PLATFORMS: PicoPlatform[] = ["native", "wasm"];

/** Runs `artifact` on a fresh network (joining SSID with PASSWORD, stopped after 60 s) and
 *  collects its output; `onOutput` sees all of it so far after each write. */
export async function runOnNewNetwork(artifact: string, net: NetworkOptions = {}, onOutput?: (all: string) => void, options: PicoRunOptions = {}) {
  await using network = await createNetwork({ device: false, ...net });
  let out = "";
  const result = await runPicoProgram(network, artifact, {
    ssid: SSID,
    password: PASSWORD,
    stdout: (t) => {
      out += t;
      onOutput?.(out);
    },
    signal: AbortSignal.timeout(60_000),
    ...options,
  });
  return { ...result, out, network };
}
