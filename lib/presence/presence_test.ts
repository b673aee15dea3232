import { deepEqual, equal } from "node:assert/strict";
import { sleep, waitUntil } from "../../tests/helpers/wait.ts";
import type { User } from "../protocol/types.ts";
import { Bus } from "../bus/bus.ts";
import { Presence } from "./presence.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const carol: User = { id: "u_carol", name: "carol" };
const HEARTBEAT_MS = 10_000;

interface Node {
  presence: Presence;
  bus: Bus;
  /** `room +name` / `room -name` for each change this node saw. */
  log: string[];
}

class Cluster {
  readonly channel = `presence-test-${crypto.randomUUID()}`;
  readonly nodes: Node[] = [];

  node(
    name: string,
    options: { graceMs?: number; dropEvery?: number; now?: () => number } = {},
  ) {
    const bus = new Bus({
      channel: this.channel,
      dropEvery: options.dropEvery,
      peerSilenceMs: 3 * HEARTBEAT_MS,
      now: options.now,
    });
    const log: string[] = [];
    const presence = new Presence({
      node: name,
      bus,
      graceMs: options.graceMs ?? 0,
      onChange: (room, joins, leaves) => {
        for (const u of joins) log.push(`${room} +${u.name}`);
        for (const u of leaves) log.push(`${room} -${u.name}`);
      },
    });
    const node = { presence, bus, log };
    this.nodes.push(node);
    return node;
  }

  close(): void {
    for (const { presence } of this.nodes) presence.close();
    for (const { bus } of this.nodes) bus.close();
  }
}

const names = (users: User[]) => users.map((u) => u.name).sort();

/**
 * Waits until `to` has handled everything `from` posted so far: a marker user
 * joins and leaves a private room on `from`, and the bus keeps one sender's
 * order.
 */
async function barrier(from: Node, to: Node): Promise<void> {
  const marker = { id: `u_marker_${crypto.randomUUID()}`, name: "marker" };
  const room = `barrier-${crypto.randomUUID()}`;
  from.presence.add(room, marker);
  from.presence.remove(room, marker);
  await waitUntil(
    "the barrier marker to pass",
    () => to.log.includes(`${room} -marker`),
  );
  to.log.splice(to.log.indexOf(`${room} +marker`), 2);
  const own = from.log.indexOf(`${room} +marker`);
  if (own !== -1 && from !== to) from.log.splice(own, 2);
}

async function withCluster(fn: (cluster: Cluster) => Promise<void>) {
  const cluster = new Cluster();
  try {
    await fn(cluster);
  } finally {
    cluster.close();
  }
}

Deno.test("a user on two nodes is one entry, gone when the last connection goes", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n1.presence.add("general", alice); // a second tab on n1
    n2.presence.add("general", alice);
    n2.presence.add("general", bob);
    await waitUntil("n1 sees bob", () => n1.presence.count("general") === 2);
    await waitUntil("n2 sees both", () => n2.presence.count("general") === 2);
    deepEqual(names(n1.presence.online("general")), ["alice", "bob"]);
    deepEqual(names(n2.presence.online("general")), ["alice", "bob"]);
    deepEqual(n1.log, ["general +alice", "general +bob"]);
    deepEqual(n2.log, ["general +alice", "general +bob"]);
    deepEqual(n1.presence.rooms(), ["general"]);
    equal(n1.presence.has("general", bob.id), true);
    equal(n1.presence.has("general", "u_nobody"), false);
    equal(n1.presence.has("elsewhere", bob.id), false);

    // n2's only connection of alice goes: she is still on n1 (two tabs).
    n2.presence.remove("general", alice);
    n1.presence.remove("general", alice);
    await barrier(n2, n1);
    await barrier(n1, n2);
    deepEqual(names(n1.presence.online("general")), ["alice", "bob"]);
    deepEqual(names(n2.presence.online("general")), ["alice", "bob"]);

    // The last tab closes.
    n1.presence.remove("general", alice);
    await waitUntil(
      "n2 sees alice go",
      () => n2.presence.count("general") === 1,
    );
    deepEqual(names(n1.presence.online("general")), ["bob"]);
    deepEqual(names(n2.presence.online("general")), ["bob"]);
    deepEqual(n1.log, ["general +alice", "general +bob", "general -alice"]);
    deepEqual(n2.log, ["general +alice", "general +bob", "general -alice"]);

    n2.presence.remove("general", bob);
    await waitUntil("n1 sees bob go", () => n1.presence.count("general") === 0);
    deepEqual(n1.presence.rooms(), []);
    deepEqual(n1.presence.online("general"), []);
    // Removing someone who is not there changes nothing.
    n2.presence.remove("general", bob);
    n2.presence.remove("nowhere", carol);
    await barrier(n2, n1);
    deepEqual(n1.log.at(-1), "general -bob");
  });
});

Deno.test("a rename shows as a join with the new name", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n1.presence.add("general", { id: alice.id, name: "alicia" });
    await waitUntil("n2 sees the rename", () => n2.log.length === 2);
    deepEqual(n2.log, ["general +alice", "general +alicia"]);
    deepEqual(n2.presence.online("general"), [{
      id: alice.id,
      name: "alicia",
    }]);
  });
});

Deno.test("claiming a name shows as a join of the claimed user, on every node", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n1.presence.add("general", { ...alice, claimed: true });
    await waitUntil("n2 sees the claim", () => n2.log.length === 2);
    deepEqual(n1.presence.online("general"), [{ ...alice, claimed: true }]);
    deepEqual(n2.presence.online("general"), [{ ...alice, claimed: true }]);
    deepEqual(n2.presence.find(alice.id), { ...alice, claimed: true });
    equal(n2.presence.find("u_nobody"), undefined);
  });
});

Deno.test("with a grace period a user leaves only after it, and a quick return cancels it", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1", { graceMs: 40 });
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n1.presence.add("general", bob);
    await waitUntil("n2 sees both", () => n2.presence.count("general") === 2);

    n1.presence.remove("general", alice);
    // Still there during the grace period, on both nodes.
    deepEqual(names(n1.presence.online("general")), ["alice", "bob"]);
    await waitUntil("grace to end", () => n1.presence.count("general") === 1);
    await waitUntil("n2 sees leave", () => n2.presence.count("general") === 1);
    deepEqual(n2.log, ["general +alice", "general +bob", "general -alice"]);

    // bob reloads the page: leaves and is back within the grace period.
    n1.presence.remove("general", bob);
    n1.presence.add("general", bob);
    await sleep(80); // twice the grace period
    await barrier(n1, n2);
    deepEqual(names(n2.presence.online("general")), ["bob"]);
    deepEqual(n1.log, ["general +alice", "general +bob", "general -alice"]);
    deepEqual(n2.log, ["general +alice", "general +bob", "general -alice"]);
  });
});

Deno.test("a dropped announcement is healed by the heartbeat's version", async () => {
  await withCluster(async (cluster) => {
    const n2 = cluster.node("n2");
    await sleep(20); // n2's startup sync is not for n1
    // n1's posts: 1 startup sync, 2 +alice, 3 +bob (dropped), 4 heartbeat, 5 full.
    const n1 = cluster.node("n1", { dropEvery: 3 });
    n1.presence.add("general", alice);
    n1.presence.add("general", bob);
    equal(n1.bus.dropped, 1);
    await waitUntil("n2 sees alice", () => n2.presence.count("general") === 1);
    deepEqual(names(n2.presence.online("general")), ["alice"]);

    n1.presence.tick();
    await waitUntil("n2 heals", () => n2.presence.count("general") === 2);
    deepEqual(names(n2.presence.online("general")), ["alice", "bob"]);
    deepEqual(n2.log, ["general +alice", "general +bob"]);
    equal(n1.bus.dropped, 1);
  });
});

Deno.test("a dropped announcement is healed when the next one shows a version jump", async () => {
  await withCluster(async (cluster) => {
    const n2 = cluster.node("n2");
    await sleep(20);
    // n1's posts: 1 sync, 2 +alice, 3 +bob (dropped), 4 +carol, 5 full.
    const n1 = cluster.node("n1", { dropEvery: 3 });
    n1.presence.add("general", alice);
    n1.presence.add("general", bob);
    n1.presence.add("general", carol);
    await waitUntil("n2 heals", () => n2.presence.count("general") === 3);
    deepEqual(names(n2.presence.online("general")), ["alice", "bob", "carol"]);
    equal(n1.bus.dropped, 1);
  });
});

Deno.test("a dropped leave is healed too: the full state removes the user", async () => {
  await withCluster(async (cluster) => {
    const n2 = cluster.node("n2");
    await sleep(20);
    // n1's posts: 1 sync, 2 +alice, 3 -alice (dropped), 4 heartbeat, 5 full.
    const n1 = cluster.node("n1", { dropEvery: 3 });
    n1.presence.add("general", alice);
    n1.presence.remove("general", alice);
    await waitUntil("n2 sees alice", () => n2.presence.count("general") === 1);
    equal(n1.bus.dropped, 1);
    n1.presence.tick();
    await waitUntil("n2 heals", () => n2.presence.count("general") === 0);
    deepEqual(n2.log, ["general +alice", "general -alice"]);
    deepEqual(n2.presence.rooms(), []);
  });
});

Deno.test("a node that stops heartbeating is forgotten after three heartbeats", async () => {
  await withCluster(async (cluster) => {
    let now = 1_000_000;
    const n1 = cluster.node("n1", { now: () => now });
    const n2 = cluster.node("n2");
    n2.presence.add("general", alice);
    n1.presence.add("general", bob);
    await waitUntil("n1 sees alice", () => n1.presence.count("general") === 2);

    now += 3 * HEARTBEAT_MS;
    n1.bus.sweep();
    deepEqual(names(n1.presence.online("general")), ["alice", "bob"]);
    now += 1;
    n1.bus.sweep();
    deepEqual(names(n1.presence.online("general")), ["bob"]);
    deepEqual(n1.log, ["general +bob", "general +alice", "general -alice"]);

    // Its next heartbeat brings it back with its full state.
    n2.presence.tick();
    await waitUntil("n1 re-syncs", () => n1.presence.count("general") === 2);
    deepEqual(n1.log.at(-1), "general +alice");
  });
});

Deno.test("bye forgets a node's users at once", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    const n2 = cluster.node("n2");
    n2.presence.add("general", alice);
    n2.presence.add("random", alice);
    n1.presence.add("general", bob);
    await waitUntil("n1 sees alice", () => n1.presence.count("general") === 2);
    await waitUntil("n1 sees random", () => n1.presence.count("random") === 1);
    n2.presence.close();
    await waitUntil("n1 forgets n2", () => n1.presence.count("general") === 1);
    deepEqual(names(n1.presence.online("general")), ["bob"]);
    deepEqual(n1.presence.rooms(), ["general"]);
  });
});

Deno.test("a node that starts late learns everyone from its startup sync", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    n1.presence.add("general", alice);
    n1.presence.add("random", bob);
    const n2 = cluster.node("n2");
    await waitUntil("n2 syncs", () => n2.presence.rooms().length === 2);
    deepEqual(names(n2.presence.online("general")), ["alice"]);
    deepEqual(names(n2.presence.online("random")), ["bob"]);
  });
});

Deno.test("a node's full state names its own users only, those in their grace period too", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1", { graceMs: 60_000 });
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n1.presence.add("general", bob);
    n1.presence.remove("general", bob); // bob stays for the grace period
    n2.presence.add("general", carol);
    await waitUntil("n1 sees carol", () => n1.presence.count("general") === 3);
    const n3 = cluster.node("n3");
    await waitUntil("n3 syncs", () => n3.presence.count("general") === 3);
    // Had n1 named carol as its own, n3 would keep her after n2 is gone.
    n2.presence.close();
    await waitUntil("n3 forgets n2", () => n3.presence.count("general") === 2);
    deepEqual(names(n3.presence.online("general")), ["alice", "bob"]);
  });
});

Deno.test("a user back on a node whose other node kept them counts there again", async () => {
  await withCluster(async (cluster) => {
    const n1 = cluster.node("n1");
    const n2 = cluster.node("n2");
    n1.presence.add("general", alice);
    n2.presence.add("general", alice);
    n1.presence.remove("general", alice);
    n1.presence.remove("general", alice); // unpaired: no effect
    n1.presence.add("general", alice);
    n1.presence.add("general", alice);
    n1.presence.remove("general", alice);
    await barrier(n1, n2);
    n2.presence.remove("general", alice);
    await barrier(n2, n1);
    // n1 still holds one connection of alice's.
    deepEqual(names(n1.presence.online("general")), ["alice"]);
    deepEqual(names(n2.presence.online("general")), ["alice"]);
    n1.presence.remove("general", alice);
    await barrier(n1, n2);
    deepEqual(n2.presence.rooms(), []);
    deepEqual(n1.presence.rooms(), []);
  });
});
