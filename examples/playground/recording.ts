// What a run records, in either mode: every frame of the LAN into the packet view and a
// pcap, the TLS key log (the page's device holds its keys; a Pico program exports its
// own) into the decoder and a download, and log lines into the Log tab. The network's onFrame and onLog come from here.
import { CaptureDecoder, KeyLog, PcapWriter, type FrameTap, type LogEntry } from "../../ts-bindings/src/index.browser.js";
import { ui } from "./dom.js";
import { log } from "./views/log.js";
import { addFrame, packets, startCapture } from "./views/packets.js";
import { offerDownload } from "./views/response.js";

export interface Recording {
  capture: CaptureDecoder;
  onFrame: FrameTap;
  onLog: (e: LogEntry) => void;
  /** A key log line from elsewhere (a Pico program's onKeyLog). */
  addKeyLogLine: (line: string) => void;
  /** Draws what is queued and offers the downloads (the capture as `pcapName`). */
  finish(pcapName: string): void;
}

/** Starts recording a run; `logged` says which log entries (other than key log lines) show. */
export function startRecording(logged: (e: LogEntry) => boolean): Recording {
  const capture = new CaptureDecoder();
  startCapture(capture);
  const pcap = new PcapWriter();
  const keylog = new KeyLog();
  const addKeyLogLine = (line: string) => {
    keylog.add(line);
    capture.addKeyLogLine(line);
  };
  return {
    capture,
    onFrame: (frame, _from, timeMs) => {
      pcap.add(frame, timeMs);
      addFrame(capture.add(frame, timeMs));
    },
    onLog: (e) => {
      if (e.source === "keylog") {
        addKeyLogLine(e.text);
      } else if (logged(e)) {
        log.add(`${e.stack} ${e.source}: ${e.text.replace(/\n$/, "")}`);
      }
    },
    addKeyLogLine,
    finish(pcapName) {
      packets.flush();
      log.flush();
      ui.downloadPcap.download = pcapName;
      offerDownload(ui.downloadPcap, pcap.bytes(), "application/vnd.tcpdump.pcap");
      if (keylog.lines.length) offerDownload(ui.downloadKeylog, keylog.text(), "text/plain");
    },
  };
}
