import { describe, expect, it } from "vitest";
import {
  classifyAddress,
  hostMatches,
  parseAddress,
  splitHostPort,
} from "../../ts-bindings/src/shim/address.js";
import {
  CloseReason,
  StreamType,
  WispDecodeError,
  decodePacket,
  encodeClose,
  encodeConnect,
  encodeContinue,
  encodeData,
} from "../../ts-bindings/src/wisp/packet.js";
import { LmwError } from "../../ts-bindings/src/errors.js";

describe("address normaliser", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
  ])("%s -> %s", (text, canonical) => {
    expect(parseAddress(text)?.address).toBe(canonical);
  });

  it.each(["256.1.1.1", "1.2.3.4.5", "08.1.1.1", "0x", "example.com", "1..1", "::1::", "12345::", "1:2:3:4:5:6:7:8:9", ""])(
    "%s is not an address (or not a valid one)",
    (text) => {
      const a = parseAddress(text);
      if (text === "0x") expect(a?.address).toBe("0.0.0.0"); // inet_aton accepts a bare 0x
      else expect(a).toBeNull();
    },
  );

  it.each([
    ["127.0.0.1", "loopback"],
    ["0.0.0.0", "loopback"],
    ["::", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::192.168.1.1", "private"],
    ["64:ff9b::8.8.8.8", "public"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.32.0.1", "public"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "private"],
    ["100.128.0.1", "public"],
    ["169.254.169.254", "private"],
    ["fe80::1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["240.0.0.1", "reserved"],
    ["ff02::1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["2002:7f00:1::", "loopback"],
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
  ])("%s is %s", (text, cls) => {
    const a = parseAddress(text);
    expect(a).not.toBeNull();
    expect(classifyAddress(a!)).toBe(cls);
  });

  it("matches host patterns and splits host:port", () => {
    expect(hostMatches("*.example.com", "a.b.example.com")).toBe(true);
    expect(hostMatches("*.example.com", "example.com")).toBe(false);
    expect(hostMatches("*.example.com", "badexample.com")).toBe(false);
    expect(hostMatches("Example.COM", "example.com")).toBe(true);
    expect(hostMatches("127.0.0.1", "127.1")).toBe(true);
    expect(splitHostPort("[::1]:443")).toEqual({ host: "::1", port: 443 });
    expect(splitHostPort("example.com:80")).toEqual({ host: "example.com", port: 80 });
    expect(splitHostPort("example.com")).toBeNull();
    expect(splitHostPort("example.com:99999")).toBeNull();
  });
});

describe("Wisp packets", () => {
  it("round-trips every type, little-endian", () => {
    const c = encodeConnect(0x01020304, StreamType.TCP, "example.com", 443);
    expect([...c.subarray(0, 8)]).toEqual([1, 4, 3, 2, 1, 1, 0xbb, 0x01]);
    expect(decodePacket(c)).toEqual({ type: 1, streamId: 0x01020304, streamType: 1, port: 443, hostname: "example.com" });
    expect(decodePacket(encodeData(7, new Uint8Array([1, 2, 3])))).toMatchObject({ type: 2, streamId: 7, data: new Uint8Array([1, 2, 3]) });
    expect(decodePacket(encodeContinue(0, 128))).toEqual({ type: 3, streamId: 0, bufferRemaining: 128 });
    expect(decodePacket(encodeClose(9, CloseReason.BLOCKED))).toEqual({ type: 4, streamId: 9, reason: 0x48 });
  });

  it.each([
    ["short", [1, 0, 0]],
    ["unknown type", [9, 1, 0, 0, 0]],
    ["CONNECT without host", [1, 1, 0, 0, 0, 1, 80, 0]],
    ["CONNECT bad stream type", [1, 1, 0, 0, 0, 7, 80, 0, 0x61]],
    ["CONNECT bad UTF-8", [1, 1, 0, 0, 0, 1, 80, 0, 0xff]],
    ["CONTINUE short", [3, 1, 0, 0, 0, 1]],
    ["CLOSE long", [4, 1, 0, 0, 0, 2, 2]],
  ])("rejects %s with a typed error", (_name, bytes) => {
    let caught: unknown;
    try {
      decodePacket(new Uint8Array(bytes));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WispDecodeError);
    expect(caught).toBeInstanceOf(LmwError);
    expect((caught as LmwError).code).toBe("ERR_WISP_MALFORMED");
    expect((caught as LmwError).layer).toBe("wisp");
  });
});
