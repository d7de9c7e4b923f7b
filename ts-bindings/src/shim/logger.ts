// The shim's structured logger: one JSON object per line, never payload bytes.

export type LogLevel = "debug" | "info" | "warn" | "error";
/** One structured log record. Never contains payload bytes. */
export interface LogEntry {
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}
export type ShimLogger = (entry: LogEntry) => void;

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing one JSON object per line (e.g. to stderr). */
export function jsonLineLogger(write: (line: string) => void, minLevel: LogLevel = "info"): ShimLogger {
  return (entry) => {
    if (LEVELS[entry.level] < LEVELS[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + "\n");
  };
}
