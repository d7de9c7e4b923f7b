// A one-line download progress bar for a terminal: bytes, percent when the length is
// known, rate. It appears only once a download has lasted `delayMs` (short ones never
// flicker), redraws at most every `intervalMs`, and erases itself at the end.

export interface ProgressTarget {
  write(text: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  /** Total bytes (Content-Length), if known. */
  total?: number;
  now?: () => number;
  delayMs?: number;
  intervalMs?: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export class ProgressBar {
  readonly #out: ProgressTarget;
  readonly #total: number | undefined;
  readonly #now: () => number;
  readonly #delay: number;
  readonly #interval: number;
  readonly #start: number;
  #lastDraw = -Infinity;
  #bytes = 0;
  #drawn = false;
  /** Times the line was drawn (for tests). */
  draws = 0;

  constructor(out: ProgressTarget, options: ProgressOptions = {}) {
    this.#out = out;
    this.#total = options.total !== undefined && options.total > 0 ? options.total : undefined;
    this.#now = options.now ?? (() => performance.now());
    this.#delay = options.delayMs ?? 300;
    this.#interval = options.intervalMs ?? 100;
    this.#start = this.#now();
  }

  update(bytes: number): void {
    this.#bytes = bytes;
    const t = this.#now();
    if (t - this.#start < this.#delay || t - this.#lastDraw < this.#interval) return;
    this.#lastDraw = t;
    this.#draw(t);
  }

  #draw(t: number): void {
    const seconds = Math.max((t - this.#start) / 1000, 0.001);
    const rate = `${formatBytes(Math.round(this.#bytes / seconds))}/s`;
    const width = (this.#out.columns || 80) - 1;
    let line: string;
    if (this.#total !== undefined) {
      const frac = Math.min(this.#bytes / this.#total, 1);
      const head = `${formatBytes(this.#bytes)} / ${formatBytes(this.#total)} ${(frac * 100).toFixed(0).padStart(3)}% `;
      const tail = ` ${rate}`;
      const barWidth = Math.min(width - head.length - tail.length - 2, 50);
      const filled = Math.round(frac * barWidth);
      line = barWidth >= 10 ? `${head}[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${tail}` : `${head}${tail}`;
    } else {
      line = `${formatBytes(this.#bytes)}  ${rate}`;
    }
    this.#out.write(`\r${line.slice(0, width)}\x1b[K`);
    this.#drawn = true;
    this.draws++;
  }

  /** Erases the line, if it was ever drawn. */
  done(): void {
    if (this.#drawn) this.#out.write("\r\x1b[K");
    this.#drawn = false;
  }
}
