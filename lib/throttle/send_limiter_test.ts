import { deepEqual, equal } from "node:assert/strict";
import { SendLimiter } from "./send_limiter.ts";

const ann = { id: "u_ann", claimed: true as const };
const guest1 = { id: "u_g1" };
const guest2 = { id: "u_g2" };

Deno.test("a user's sends share one bucket, whatever the address", () => {
  const limiter = new SendLimiter(1, 2);
  deepEqual(
    [
      limiter.takeFor(ann, "192.0.2.1", 0),
      limiter.takeFor(ann, "198.51.100.7", 0),
      limiter.takeFor(ann, "", 0), // a request whose address is unknown
      limiter.takeFor(ann, "192.0.2.1", 0),
    ],
    [0, 0, 1000, 1000],
  );
  equal(limiter.takeFor(ann, "192.0.2.1", 500), 500);
  equal(limiter.takeFor(ann, "192.0.2.1", 1000), 0);
});

Deno.test("guests are held to their address too: new names buy nothing", () => {
  const limiter = new SendLimiter(1, 2);
  deepEqual(
    [
      limiter.takeFor(guest1, "192.0.2.1", 0),
      limiter.takeFor(guest2, "192.0.2.1", 0),
      limiter.takeFor(guest2, "192.0.2.1", 0),
    ],
    [0, 0, 1000],
  );
  // Another address is another bucket; a claimed name there is not a guest.
  deepEqual(
    [limiter.takeFor({ id: "u_g3" }, "198.51.100.7", 0)],
    [0],
  );
  deepEqual(
    [
      limiter.takeFor({ id: "u_bob", claimed: true }, "192.0.2.1", 0),
      limiter.takeFor({ id: "u_bob", claimed: true }, "192.0.2.1", 0),
    ],
    [0, 0],
  );
});

Deno.test("a guest refused by their address loses no token of their own", () => {
  const limiter = new SendLimiter(1, 1);
  equal(limiter.takeFor(guest1, "192.0.2.1", 0), 0); // the address is empty now
  equal(limiter.takeFor(guest2, "192.0.2.1", 0), 1000);
  // guest2's own bucket is still full: from another address it may send.
  equal(limiter.takeFor(guest2, "198.51.100.7", 300), 0);
  // The wait is the longer of the two buckets': guest2's own (800 ms), not
  // the address's (500 ms).
  equal(limiter.takeFor(guest2, "192.0.2.1", 500), 800);
});

Deno.test("an unknown address holds a guest to their user id alone; rate 0 never limits", () => {
  const limiter = new SendLimiter(1, 1);
  deepEqual(
    [limiter.takeFor(guest1, "", 0), limiter.takeFor(guest2, "", 0)],
    [0, 0],
  );
  equal(limiter.takeFor(guest1, "", 0), 1000);
  const unlimited = new SendLimiter(0, 1);
  for (let i = 0; i < 100; i++) {
    equal(unlimited.takeFor(guest1, "192.0.2.1", 0), 0);
  }
});
