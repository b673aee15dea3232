import { deepEqual, equal } from "node:assert/strict";
import { waitUntil } from "../../tests/helpers/wait.ts";
import { Bus } from "./bus.ts";
import { Membership } from "./membership.ts";

const HEARTBEAT_MS = 1_000;

/**
 * Two buses on a fresh channel: `own` is the isolate under test, `peer`
 * speaks for other isolates (the node ids are in the messages).
 */
async function withBuses(
  fn: (own: Bus, peer: Bus) => Promise<void>,
  now?: () => number,
): Promise<void> {
  const channel = `membership-test-${crypto.randomUUID()}`;
  const own = new Bus({ channel, peerSilenceMs: 3 * HEARTBEAT_MS, now });
  const peer = new Bus({ channel });
  try {
    await fn(own, peer);
  } finally {
    own.close();
    peer.close();
  }
}

/**
 * Waits until `own` has handled everything `peer` posted so far (the bus
 * keeps one sender's order): a `typing` marker follows them.
 */
function barrier(own: Bus, peer: Bus): Promise<void> {
  const room = `barrier-${crypto.randomUUID()}`;
  let passed = false;
  own.on("typing", (message) => {
    if (message.room === room) passed = true;
  });
  peer.post({ k: "typing", room, user: { id: "u_marker", name: "marker" } });
  return waitUntil("the barrier marker to pass", () => passed);
}

Deno.test("alone, an isolate is the only one alive and the writer", async () => {
  await withBuses(async (own) => {
    const membership = new Membership("m", own);
    equal(membership.node, "m");
    deepEqual(membership.alive(), ["m"]);
    equal(membership.writer(), "m");
    await Promise.resolve();
  });
});

Deno.test("peers heard from are alive; the lowest id writes", async () => {
  await withBuses(async (own, peer) => {
    const membership = new Membership("m", own);

    peer.post({ k: "hb", node: "p", ver: 0 });
    await waitUntil("p alive", () => membership.alive().includes("p"));
    deepEqual(membership.alive(), ["m", "p"]);
    equal(membership.writer(), "m", "a higher peer does not write");

    peer.post({ k: "sync", node: "c", target: "*" });
    await waitUntil("c alive", () => membership.alive().includes("c"));
    deepEqual(membership.alive(), ["c", "m", "p"]);
    equal(membership.writer(), "c");

    peer.post({ k: "full", node: "b", ver: 3, rooms: [] });
    await waitUntil("b alive", () => membership.alive().includes("b"));
    deepEqual(membership.alive(), ["b", "c", "m", "p"]);
    equal(membership.writer(), "b");

    // Any message naming its sender proves it alive; the own id is itself.
    peer.post({
      k: "pres",
      node: "a",
      ver: 1,
      room: "r",
      user: {
        id: "u_a",
        name: "a",
      },
      on: true,
    });
    peer.post({ k: "heads", node: "d", heads: [] });
    peer.post({ k: "hb", node: "m", ver: 0 });
    peer.post({ k: "hb", node: "p", ver: 1 }); // heard again: still once
    await barrier(own, peer);
    deepEqual(membership.alive(), ["a", "b", "c", "d", "m", "p"]);
    equal(membership.writer(), "a");
  });
});

Deno.test("a peer silent for more than three heartbeats is dropped, and back with its next one", async () => {
  let now = 1_000_000;
  await withBuses(async (own, peer) => {
    const membership = new Membership("m", own);
    peer.post({ k: "hb", node: "a", ver: 0 });
    peer.post({ k: "hb", node: "b", ver: 0 });
    await waitUntil("a and b alive", () => membership.alive().length === 3);
    equal(membership.writer(), "a");

    // b keeps beating, a falls silent.
    now += 2 * HEARTBEAT_MS;
    peer.post({ k: "hb", node: "b", ver: 0 });
    await barrier(own, peer);
    now += HEARTBEAT_MS; // a silent for exactly three heartbeats: still alive
    equal(membership.writer(), "a");
    deepEqual(membership.alive(), ["a", "b", "m"]);

    now += 1; // more than three
    // writer() skips a as alive() does.
    equal(membership.writer(), "b");
    deepEqual(membership.alive(), ["b", "m"]);
    equal(membership.writer(), "b");

    // b's last beat was a heartbeat and 1 ms ago: three heartbeats and 1 ms
    // after it, b is gone too.
    now += HEARTBEAT_MS;
    equal(membership.writer(), "b");
    now += HEARTBEAT_MS;
    equal(membership.writer(), "m");
    deepEqual(membership.alive(), ["m"]);

    // a comes back with its next heartbeat.
    peer.post({ k: "hb", node: "a", ver: 1 });
    await waitUntil("a back", () => membership.alive().includes("a"));
    deepEqual(membership.alive(), ["a", "m"]);
    equal(membership.writer(), "a");
  }, () => now);
});

Deno.test("bye removes a peer at once", async () => {
  let now = 1_000_000;
  await withBuses(async (own, peer) => {
    const membership = new Membership("m", own);
    peer.post({ k: "hb", node: "a", ver: 0 });
    peer.post({ k: "hb", node: "b", ver: 0 });
    await waitUntil("a and b alive", () => membership.alive().length === 3);
    equal(membership.writer(), "a");

    peer.post({ k: "bye", node: "a" });
    await waitUntil("a gone", () => !membership.alive().includes("a"));
    deepEqual(membership.alive(), ["b", "m"]);
    equal(membership.writer(), "b");

    // A bye from a node never heard of, or from itself, changes nothing.
    peer.post({ k: "bye", node: "x" });
    peer.post({ k: "bye", node: "m" });
    await barrier(own, peer);
    deepEqual(membership.alive(), ["b", "m"]);

    // A stopped node that starts again is heard again.
    now += 1;
    peer.post({ k: "sync", node: "a", target: "*" });
    await waitUntil("a back", () => membership.alive().includes("a"));
    equal(membership.writer(), "a");
  }, () => now);
});
