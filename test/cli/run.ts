// Runs lwip-https as a child process (bin/lwip-https.ts through tsx), as a user would.
// `tty: true` runs it under script(1), so its standard streams are a terminal.
import { spawn } from "node:child_process";

export interface CliRun {
  code: number | null;
  out: Buffer;
  err: string;
  /** stdout as text. */
  text: string;
}

const CLI = ["--import", "tsx", "bin/lwip-https.ts"];

function quote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

export function runCli(args: string[], options: { stdin?: string; tty?: boolean; env?: Record<string, string> } = {}): Promise<CliRun> {
  const child = options.tty
    // script -q: no banner; -e: its exit code is the command's; -c: the command; the log goes nowhere.
    ? spawn("script", ["-qec", [process.execPath, ...CLI, ...args].map(quote).join(" "), "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } })
    : spawn(process.execPath, [...CLI, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  const out: Buffer[] = [];
  let err = "";
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve) => child.once("close", (code) => {
    const bytes = Buffer.concat(out);
    resolve({ code, out: bytes, err, text: bytes.toString() });
  }));
}
