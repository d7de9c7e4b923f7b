// Batched lists: a 20 MB download is ~15 000 frames, and one DOM update per frame would
// cost more than the TLS. Items queue and are drawn once per animation frame.
export class LiveList<T> {
  #pending: T[] = [];
  #shown = 0;
  #total = 0;
  #scheduled = false;
  constructor(
    readonly el: HTMLElement,
    readonly counter: HTMLElement,
    readonly max: number,
    readonly render: (el: HTMLElement, items: T[]) => void,
  ) {}

  add(item: T): void {
    this.#total++;
    if (this.#shown + this.#pending.length < this.max) this.#pending.push(item);
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
    this.counter.textContent = this.#total ? `${this.#total}${hidden > 0 ? ` (${this.#shown} shown)` : ""}` : "";
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
