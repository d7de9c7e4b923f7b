// The minimal fetch page: the library's browser entry, a Wisp dialer and one fetch. The bench
// builds it (bench/page/vite.config.ts) to report its payload, and times it in Chromium next
// to the browser's own fetch of the same URL.
import { createNetwork, WispDialer } from "../../ts-bindings/src/index.browser.js";

async function drain(res: Response): Promise<number> {
  const reader = res.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

/** Through the library and the shim. */
async function benchShim(url: string, ca: string, wispUrl: string): Promise<{ bytes: number; ms: number }> {
  const net = await createNetwork({ dialer: new WispDialer({ url: wispUrl }), tls: { ca } });
  try {
    const t0 = performance.now();
    const bytes = await drain(await net.fetch(url));
    return { bytes, ms: performance.now() - t0 };
  } finally {
    await net.close();
  }
}

/** The browser's own fetch. */
async function benchNative(url: string): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const bytes = await drain(await fetch(url, { cache: "no-store" }));
  return { bytes, ms: performance.now() - t0 };
}

Object.assign(globalThis, { benchShim, benchNative });
