// The emscripten glue of the browser build (ts-bindings/wasm/lmw_web.mjs, generated).
declare module "*/lmw_web.mjs" {
  const factory: (options: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module "*/lmw_web_debug.mjs" {
  const factory: (options: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
