// The bundled root CAs: concatenated DER in ts-bindings/wasm/ca-bundle.der, loaded on first
// use, parsed certificate by certificate.
import { rootCertificates } from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundledCa, bundledCaPem, splitDer } from "../ts-bindings/src/ffi/ca-bundle.js";
import { BUNDLED_CA_COUNT } from "../ts-bindings/src/ffi/generated/ca-bundle.js";
import { Stack } from "../ts-bindings/src/device/stack.js";
import { TlsConfig } from "../ts-bindings/src/device/tls-config.js";

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.create({ name: "bundle" });
});
afterAll(() => stack.dispose());

it("holds Node's roots as DER, one certificate after another", async () => {
  const der = await bundledCa();
  const certs = splitDer(der);
  expect(certs.length).toBe(BUNDLED_CA_COUNT);
  expect(certs.length).toBe(rootCertificates.length);
  expect(certs.reduce((n, c) => n + c.length, 0)).toBe(der.length);
  const b64 = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  expect(Buffer.from(certs[0]!).toString("base64")).toBe(b64(rootCertificates[0]!));
  expect((await bundledCaPem()).match(/BEGIN CERTIFICATE/g)?.length).toBe(rootCertificates.length);
});

it("Mbed TLS loads every root of the DER bundle, or counts the ones it skips", async () => {
  const der = await bundledCa();
  const cfg = TlsConfig.client(stack, { ca: der });
  try {
    expect(cfg.skippedRoots).toBeLessThan(5);
  } finally {
    cfg.dispose();
  }
  // A broken frame is an error, not a silent partial trust store.
  expect(() => TlsConfig.client(stack, { ca: Uint8Array.of(0x30, 0x03, 0x02, 0x01) })).toThrow(/trusted CA/);
});
