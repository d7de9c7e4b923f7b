// lwip-pico: builds Pico W programs against the host Pico SDK and runs them on a virtual
// network (router with DHCP, DNS and NAT; real sockets beyond it).
//   lwip-pico build <folder> [target...] [--target wasm|native] [-D NAME=VALUE]... [--out DIR]
//   lwip-pico run <artifact> [options]
import { closeSync, openSync, writeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Readable, Writable } from "node:stream";
import { LmwError } from "../errors.js";
import { PcapWriter } from "../link/pcap.js";
import { createNetwork, type NetworkOptions } from "../network.js";
import { buildPicoProgram, type PicoPlatform } from "../pico/build.js";
import { Scheduler } from "../pico/deterministic.js";
import { runPicoProgram } from "../pico/run.js";

export const NAME = "lwip-pico";

/** Exit codes of `lwip-pico run` besides main's own return value. */
export const PICO_EXIT = {
  USAGE: 2,
  TIMEOUT: 124,
  START_FAILED: 125,
  TRAP: 134,
} as const;

export const HELP = `Usage:
  ${NAME} build <folder> [target...] [--target wasm|native] [-D NAME=VALUE]... [--out DIR]
  ${NAME} run <artifact> [options]

build: compiles a program folder written for the Pico SDK (its CMakeLists.txt, as in
pico-examples) against the host Pico SDK, for WASM (default) or natively, and prints one
artifact path per line (<target>.wasm with its .js beside it, or the executable).
  --target <wasm|native>   what to build for (default wasm)
  -D NAME=VALUE            a CMake cache variable (WIFI_SSID, WIFI_PASSWORD, ...)
  --out <dir>              copy the artifacts here (default: in the build cache)

run: runs an artifact (a .wasm in this process, a native one as a child) on a fresh
virtual network: the simulated Wi-Fi access point, DHCP from the router (10.0.2.2),
DNS (10.0.2.3), NAT to real sockets (127.0.0.1 is reached as 10.0.2.2).
  --ssid <s> --password <p>  the access point (default: any SSID and password join)
  --resolve <host:port:addr> curl's --resolve, for the program's TCP and UDP flows
  --connect-to <h1:p1:h2:p2> curl's --connect-to (before --resolve)
  --forward [tcp:|udp:]HOSTPORT:DEVICEPORT
                             QEMU's hostfwd: 127.0.0.1:HOSTPORT reaches the program
  --pcap <file>              write a capture of the LAN (pcap)
  --keylog <file>            write the TLS key log of the program's connections, as they
                             are made (NSS format: Wireshark decrypts the pcap with it)
  --timeout <s>              stop the program after s seconds (exit ${PICO_EXIT.TIMEOUT})
  --deterministic --seed <n> seeded randomness and a virtual clock
stdout is the program's stdout; everything else goes to stderr (the LED's changes too).

Exit codes of run: main's return value (or exit()'s), and
  ${PICO_EXIT.USAGE}    bad option or argument
  ${PICO_EXIT.TIMEOUT}  --timeout passed
  ${PICO_EXIT.START_FAILED}  the program could not be started (ERR_PICO_START), or the network
  ${PICO_EXIT.TRAP}  the program trapped or panicked (ERR_PICO_TRAP; its last output is shown)
Exit codes of build: 0, 1 when the build failed (ERR_PICO_BUILD), 2 on a usage error.
`;

export interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
}

class UsageError extends Error {}

/** A `-D NAME=VALUE` argument as [name, value]; undefined when it is not one. */
export function parseDefine(d: string): [string, string] | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(d);
  return m ? [m[1]!, m[2]!] : undefined;
}

function fail(io: Io, e: unknown): number {
  if (e instanceof UsageError) {
    io.stderr.write(`${NAME}: ${e.message}\n(${NAME} --help for the options)\n`);
    return PICO_EXIT.USAGE;
  }
  if (e instanceof LmwError) {
    io.stderr.write(`${NAME}: ${e.code}: ${e.message}\n`);
    if (e.code === "ERR_PICO_TRAP") return PICO_EXIT.TRAP;
    if (e.code === "ERR_PICO_BUILD") return 1;
    if (e.code === "ERR_INVALID_ARG" || e.code === "ERR_USAGE") return PICO_EXIT.USAGE;
    return PICO_EXIT.START_FAILED;
  }
  io.stderr.write(`${NAME}: ${(e as Error)?.stack ?? String(e)}\n`);
  return PICO_EXIT.START_FAILED;
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function build(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    target: { type: "string" },
    D: { type: "string", short: "D", multiple: true },
    out: { type: "string" },
  });
  const [folder, ...targets] = positionals;
  if (!folder) throw new UsageError("build: which folder?");
  const platform = (values.target ?? "wasm") as string;
  if (platform !== "wasm" && platform !== "native") throw new UsageError(`--target ${platform}: wasm or native`);
  const defines: Record<string, string> = {};
  for (const d of (values.D ?? []) as string[]) {
    const define = parseDefine(d);
    if (!define) throw new UsageError(`-D ${d}: want NAME=VALUE`);
    defines[define[0]] = define[1];
  }
  const artifacts = await buildPicoProgram({ folder, targets, platform: platform as PicoPlatform, defines, out: values.out as string | undefined });
  for (const a of artifacts) io.stdout.write(a + "\n");
  return 0;
}

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ssid: { type: "string" },
    password: { type: "string" },
    resolve: { type: "string", multiple: true },
    "connect-to": { type: "string", multiple: true },
    forward: { type: "string", multiple: true },
    pcap: { type: "string" },
    keylog: { type: "string" },
    timeout: { type: "string" },
    deterministic: { type: "boolean" },
    seed: { type: "string" },
  });
  const [artifact, ...rest] = positionals;
  if (!artifact) throw new UsageError("run: which artifact?");
  if (rest.length) throw new UsageError(`run: one artifact (also got ${rest.join(" ")})`);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout ${values.timeout}: seconds, > 0`);
  if (values.password !== undefined && values.ssid === undefined) throw new UsageError("--password needs --ssid");
  if (values.seed !== undefined && !values.deterministic) throw new UsageError("--seed needs --deterministic");
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed ${values.seed}: a non-negative integer`);

  const pcap = values.pcap ? new PcapWriter() : undefined;
  // The key log is written as secrets arrive (a server program usually runs until stopped).
  const keylog = values.keylog as string | undefined;
  let keylogFd: number | undefined;
  if (keylog !== undefined) {
    try {
      keylogFd = openSync(keylog, "w");
    } catch (e) {
      throw new UsageError(`--keylog ${keylog}: ${(e as Error).message}`);
    }
  }
  const netOptions: NetworkOptions = {
    device: false,
    resolve: values.resolve as string[] | undefined,
    connectTo: values["connect-to"] as string[] | undefined,
    forward: values.forward as string[] | undefined,
    onFrame: pcap?.tap,
  };
  // Deterministic: the programs' randomness is seeded and their clock virtual (the router's
  // own timers keep the host's clock; they play no part in a LAN-only exchange).
  const clock = values.deterministic ? new Scheduler() : undefined;
  const net = await createNetwork(netOptions).catch((e: unknown) => {
    if (keylogFd !== undefined) closeSync(keylogFd);
    throw e;
  });
  const controller = new AbortController();
  const timer = timeout ? setTimeout(() => controller.abort(new Error("timeout")), timeout * 1000) : undefined;
  for (const f of net.forwards) io.stderr.write(`${NAME}: forwarding ${f.proto}:127.0.0.1:${f.hostPort} -> ${f.deviceIp}:${f.devicePort}\n`);
  try {
    const { exitCode } = await runPicoProgram(net, artifact, {
      stdout: (t) => io.stdout.write(t),
      stderr: (t) => io.stderr.write(t),
      stdin: io.stdin,
      onLed: (on) => io.stderr.write(`${NAME}: LED ${on ? "on" : "off"}\n`),
      onKeyLog: keylogFd === undefined ? undefined : (line) => writeSync(keylogFd, line + "\n"),
      signal: controller.signal,
      ssid: values.ssid as string | undefined,
      password: values.password as string | undefined,
      deterministic: clock ? { seed, clock } : undefined,
    });
    return exitCode;
  } catch (e) {
    if (controller.signal.aborted && timeout) {
      io.stderr.write(`${NAME}: timeout: stopped after ${timeout} s\n`);
      return PICO_EXIT.TIMEOUT;
    }
    return fail(io, e);
  } finally {
    clearTimeout(timer);
    if (keylogFd !== undefined) closeSync(keylogFd);
    await net.close();
    if (pcap && values.pcap) await writeFile(values.pcap as string, pcap.bytes());
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      io.stdout.write(HELP);
      return command === undefined ? PICO_EXIT.USAGE : 0;
    }
    if (command === "build") return await build(args, io);
    if (command === "run") return await runCommand(args, io);
    throw new UsageError(`unknown command "${command}" (build or run)`);
  } catch (e) {
    return fail(io, e);
  }
}
