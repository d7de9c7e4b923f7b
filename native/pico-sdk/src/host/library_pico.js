// The WASM side of the host seam (include/pico_host.h): each import calls the runner's
// `Module.picoHost` object (ts-bindings/src/pico/wasm-program.ts installs it). Only
// pico_host_wait is asynchronous (ASYNCIFY_IMPORTS): the program's stack unwinds, the
// event loop runs, and the runner calls wakeUp when a frame, stdin or the deadline comes.
mergeInto(LibraryManager.library, {
  pico_host_time_us: function () {
    return Module.picoHost.timeUs();
  },
  pico_host_wall_time_s: function () {
    return Module.picoHost.wallTimeS();
  },
  pico_host_random: function (buf, len) {
    Module.picoHost.random(HEAPU8.subarray(buf, buf + len));
  },
  pico_host_link_send: function (buf, len) {
    Module.picoHost.linkSend(HEAPU8.slice(buf, buf + len));
  },
  pico_host_link_recv: function (buf, cap) {
    var frame = Module.picoHost.linkRecv();
    if (!frame) return 0;
    if (frame.length > cap) return -1;
    HEAPU8.set(frame, buf);
    return frame.length;
  },
  pico_host_wait__deps: ['$Asyncify'],
  pico_host_wait: function (untilUs, wakeOnInput) {
    return Asyncify.handleSleep(function (wakeUp) {
      Module.picoHost.wait(untilUs, wakeOnInput !== 0, wakeUp);
    });
  },
  pico_host_getchar: function () {
    return Module.picoHost.getchar();
  },
  pico_host_config: function (key, buf, cap) {
    var value = Module.picoHost.config(key);
    if (value === undefined || value === null) return -1;
    var bytes = new TextEncoder().encode(String(value));
    var n = Math.min(bytes.length, cap - 1);
    HEAPU8.set(bytes.subarray(0, n), buf);
    HEAPU8[buf + n] = 0;
    return n;
  },
  pico_host_gpio: function (pin, value) {
    Module.picoHost.gpio(pin, value);
  },
  pico_host_keylog: function (line) {
    Module.picoHost.keylog(UTF8ToString(line));
  },
  pico_host_abort: function () {
    // Not abort(): that prints its own text. The runner reports this, with the output.
    Module.picoHost.aborting();
    throw new WebAssembly.RuntimeError('panic');
  },
});
