import { equal } from "node:assert/strict";
import { addressKey, clientAddress } from "./client_address.ts";

const request = (forwarded?: string) =>
  new Request("http://chat.example/", {
    headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
  });

Deno.test("the peer's address counts unless the peer is a trusted proxy", () => {
  const trusted = new Set(["127.0.0.1", "10.0.0.2"]);
  // A client that writes X-Forwarded-For itself is not believed.
  equal(
    clientAddress(request("198.51.100.7"), "192.0.2.1", trusted),
    "192.0.2.1",
  );
  equal(clientAddress(request(), "127.0.0.1", trusted), "127.0.0.1");
  equal(
    clientAddress(request("198.51.100.7"), "127.0.0.1", trusted),
    "198.51.100.7",
  );
  // The rightmost hop no trusted proxy wrote: the left part is the client's own.
  equal(
    clientAddress(
      request("6.6.6.6, 198.51.100.7, 10.0.0.2"),
      "127.0.0.1",
      trusted,
    ),
    "198.51.100.7",
  );
  equal(clientAddress(request("10.0.0.2"), "127.0.0.1", trusted), "10.0.0.2");
  equal(
    clientAddress(request("198.51.100.7"), "127.0.0.1", new Set()),
    "127.0.0.1",
  );
  equal(clientAddress(request(), "", trusted), "");
});

Deno.test("IPv6 addresses count by their /64, IPv4-mapped ones as IPv4", () => {
  equal(addressKey("203.0.113.9"), "203.0.113.9");
  equal(addressKey("::ffff:203.0.113.9"), "203.0.113.9");
  equal(addressKey("2001:db8:0:1:aaaa::1"), "2001:db8:0:1::/64");
  equal(addressKey("2001:0db8:0000:0001:ffff:1:2:3"), "2001:db8:0:1::/64");
  equal(addressKey("[2001:DB8::1]"), "2001:db8:0:0::/64");
  equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  equal(addressKey("::1"), "0:0:0:0::/64");
  equal(addressKey(""), "");
});
