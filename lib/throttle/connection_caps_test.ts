import { deepEqual, equal } from "node:assert/strict";
import { ConnectionCaps } from "./connection_caps.ts";

Deno.test("a user holds at most the cap; a closed connection frees a place", () => {
  const caps = new ConnectionCaps(2, 0);
  deepEqual([caps.addUser("u_a"), caps.addUser("u_a"), caps.addUser("u_a")], [
    true,
    true,
    false,
  ]);
  equal(caps.addUser("u_b"), true); // others are counted apart
  deepEqual(caps.counts("u_a", "x"), { user: 2, address: 0 });
  caps.removeUser("u_a");
  equal(caps.addUser("u_a"), true);
  equal(caps.addUser("u_a"), false);
});

Deno.test("an address holds at most the cap; an unknown one is never capped", () => {
  const caps = new ConnectionCaps(0, 1);
  deepEqual([caps.addAddress("192.0.2.1"), caps.addAddress("192.0.2.1")], [
    true,
    false,
  ]);
  for (let i = 0; i < 10; i++) equal(caps.addAddress(""), true);
  caps.removeAddress("");
  caps.removeAddress("192.0.2.1");
  caps.removeAddress("192.0.2.1"); // more removes than adds do not go below 0
  deepEqual(caps.counts("u_a", "192.0.2.1"), { user: 0, address: 0 });
  equal(caps.addAddress("192.0.2.1"), true);
  equal(caps.addAddress("192.0.2.1"), false);
});

Deno.test("a cap of 0 is unlimited", () => {
  const caps = new ConnectionCaps(0, 0);
  for (let i = 0; i < 1000; i++) {
    equal(caps.addUser("u_a"), true);
    equal(caps.addAddress("192.0.2.1"), true);
  }
  deepEqual(caps.counts("u_a", "192.0.2.1"), { user: 1000, address: 1000 });
});
