import { deepEqual, equal } from "node:assert/strict";
import {
  isIpLiteral,
  isPublicAddress,
  parseIpv4,
  parseIpv6,
} from "./ip_address.ts";

Deno.test("IPv4 and IPv6 text parses to bytes and words; anything else is null", () => {
  deepEqual(parseIpv4("192.168.0.1"), [192, 168, 0, 1]);
  for (
    const bad of ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d"]
  ) {
    equal(parseIpv4(bad), null, bad);
  }
  deepEqual(parseIpv6("::1"), [0, 0, 0, 0, 0, 0, 0, 1]);
  deepEqual(parseIpv6("2001:db8::8:1"), [0x2001, 0xdb8, 0, 0, 0, 0, 8, 1]);
  deepEqual(parseIpv6("::ffff:127.0.0.1"), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
  deepEqual(parseIpv6("1:2:3:4:5:6:7:8"), [1, 2, 3, 4, 5, 6, 7, 8]);
  deepEqual(parseIpv6("1:2:3:4:5:6:1.2.3.4"), [1, 2, 3, 4, 5, 6, 0x102, 0x304]);
  for (
    const bad of [
      "1::2::3",
      ":1",
      "1:2:3:4:5:6:7:8::",
      "1:2:3",
      "g::1",
      "::1.2.3",
    ]
  ) {
    equal(parseIpv6(bad), null, bad);
  }
});

Deno.test("private, loopback, link-local, CGNAT, multicast and reserved addresses are not public", () => {
  const table: Array<[string, boolean]> = [
    ["8.8.8.8", true],
    ["142.250.74.106", true],
    ["1.1.1.1", true],
    ["0.0.0.0", false],
    ["10.1.2.3", false],
    ["100.64.0.1", false],
    ["100.127.255.255", false],
    ["100.128.0.1", true],
    ["127.0.0.1", false],
    ["127.255.255.254", false],
    ["169.254.169.254", false],
    ["172.15.0.1", true],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.0.0.8", false],
    ["192.0.2.1", false],
    ["192.168.1.1", false],
    ["198.18.0.1", false],
    ["198.19.255.255", false],
    ["198.20.0.1", true],
    ["224.0.0.1", false],
    ["239.255.255.250", false],
    ["255.255.255.255", false],
    ["2607:f8b0:4004:c07::6a", true],
    ["[2a00:1450:4001:80b::200a]", true],
    ["::", false],
    ["::1", false],
    ["[::1]", false],
    ["::127.0.0.1", false],
    ["::ffff:127.0.0.1", false],
    ["[::ffff:7f00:1]", false],
    ["::ffff:a9fe:a9fe", false],
    ["::ffff:8.8.8.8", true],
    ["64:ff9b::10.0.0.1", false],
    ["64:ff9b::8.8.8.8", true],
    ["fc00::1", false],
    ["fd12:3456::1", false],
    ["fe80::1", false],
    ["fec0::1", false],
    ["ff02::1", false],
    ["2001:db8::1", false],
    ["2001::1", false],
    ["2002:7f00:1::1", false],
    ["3fff::1", false],
    ["not-an-address", false],
    ["push.example.com", false],
  ];
  for (const [address, expected] of table) {
    equal(isPublicAddress(address), expected, address);
  }
});

Deno.test("an IP literal is told from a name", () => {
  equal(isIpLiteral("10.0.0.1"), true);
  equal(isIpLiteral("[fe80::1]"), true);
  equal(isIpLiteral("fcm.googleapis.com"), false);
  equal(isIpLiteral("1.2.3.4.example"), false);
});
