// Batched lists: a 20 MB download is ~15 000 frames, and one DOM update per frame would
// cost more than the TLS. The packet list and the debug log.
import { ui } from "../dom.js";

const MAX_PACKET_ROWS = 3000;
const MAX_LOG_LINES = 20000;

export class LiveList {
  #pending: string[] = [];
  #shown = 0;
  #total = 0;
  #scheduled = false;
  constructor(
    readonly el: HTMLElement,
    readonly counter: HTMLElement,
    readonly max: number,
    readonly render: (el: HTMLElement, lines: string[]) => void,
    readonly unit: string,
  ) {}

  add(line: string): void {
    this.#total++;
    if (this.#shown + this.#pending.length < this.max) this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length) {
      const stick = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 4;
      this.render(this.el, this.#pending);
      this.#shown += this.#pending.length;
      this.#pending = [];
      if (stick) this.el.scrollTop = this.el.scrollHeight;
    }
    const hidden = this.#total - this.#shown;
    this.counter.textContent = `(${this.#total} ${this.unit}${hidden > 0 ? `, first ${this.#shown} shown` : ""})`;
  }

  clear(): void {
    this.#pending = [];
    this.#shown = 0;
    this.#total = 0;
    this.el.textContent = "";
    this.counter.textContent = "";
  }

  get total(): number {
    return this.#total;
  }
}

export const packets = new LiveList(ui.packets, ui.packetCount, MAX_PACKET_ROWS, (el, lines) => {
  const frag = document.createDocumentFragment();
  for (const l of lines) {
    const li = document.createElement("li");
    li.textContent = l;
    frag.append(li);
  }
  el.append(frag);
}, "frames");

export const log = new LiveList(ui.log, ui.logCount, MAX_LOG_LINES, (el, lines) => {
  el.append(document.createTextNode(lines.join("\n") + "\n"));
}, "lines");

