// The lwIP and Mbed TLS debug log of a run.
import { ui } from "../dom.js";
import { LiveList } from "./lists.js";

const MAX_LOG_LINES = 20000;

export const log = new LiveList<string>(ui.log, ui.logCount, MAX_LOG_LINES, (el, lines) => {
  el.append(document.createTextNode(lines.join("\n") + "\n"));
});
