// The WASM module's host imports (native/host/host.h). Each forwards to the `lmwHost`
// object that ts-bindings/src/module.ts passes to the module factory, so the TypeScript
// side decides where time, randomness, logs, events and frames come from and go to.
// Hooks copy what they need and return at once: they never call back into C.
mergeInto(LibraryManager.library, {
  lmw_host_now_ms: function () {
    return Module["lmwHost"].nowMs() >>> 0;
  },
  // int64 return: emscripten 3.1.6 without WASM_BIGINT legalises i64 into (low, high);
  // wall time is returned as a double from a helper and split here.
  lmw_host_wall_time_s__sig: "d",
  lmw_host_wall_time_s: function () {
    return Module["lmwHost"].wallTimeS();
  },
  lmw_host_random_js: function (ptr, len) {
    return Module["lmwHost"].random(HEAPU8.subarray(ptr, ptr + len));
  },
  lmw_host_log: function (source, ptr, len) {
    Module["lmwHost"].log(source, HEAPU8.slice(ptr, ptr + len));
  },
  lmw_host_event: function (object, kind, arg) {
    Module["lmwHost"].event(object >>> 0, kind, arg);
  },
  lmw_host_router_udp: function (ptr, len) {
    Module["lmwHost"].routerUdp(HEAPU8.slice(ptr, ptr + len));
  },
  lmw_host_app_data: function (userId, ptr, len) {
    Module["lmwHost"].appData(userId >>> 0, HEAPU8.slice(ptr, ptr + len));
  },
  lmw_host_link_output: function (linkId, ptr, len) {
    Module["lmwHost"].linkOutput(linkId >>> 0, HEAPU8.slice(ptr, ptr + len));
  },
});
