import { deepEqual, equal, rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { User } from "../protocol/types.ts";
import { RoomAccess, VIEW_CACHE_MS } from "./room_access.ts";

const owner: User = { id: "u_owner", name: "olga", claimed: true };
const mod: User = { id: "u_mod", name: "mo" };
const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const admin: User = { id: "u_admin", name: "Root", claimed: true };

async function withAccess(
  fn: (access: RoomAccess, clock: { now: number }) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: 1_800_000_000_000 };
  try {
    await fn(
      new RoomAccess(new KvRecords(kv), {
        admins: ["root"],
        now: () => clock.now,
      }),
      clock,
    );
  } finally {
    kv.close();
  }
}

const isCode = (code: string) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code;

Deno.test("a room nobody created is public: anyone reads and posts, nobody moderates", async () => {
  await withAccess(async (access) => {
    equal((await access.checkRead("general", null)).role, "member");
    equal((await access.checkRead("general", alice)).role, "member");
    await access.checkPost("general", alice);
    await rejects(access.checkModerator("general", alice), isCode("forbidden"));
  });
});

Deno.test("a private room: members in, others forbidden, no identity unauthenticated, admins in", async () => {
  await withAccess(async (access) => {
    await access.create("secret", owner, "private", false);
    equal((await access.checkRead("secret", owner)).role, "owner");
    await rejects(access.checkRead("secret", alice), isCode("forbidden"));
    await rejects(access.checkRead("secret", null), isCode("unauthenticated"));
    await rejects(access.checkPost("secret", alice), isCode("forbidden"));
    equal((await access.checkRead("secret", admin)).role, "owner");
    // An unclaimed "Root" is not the administrator.
    await rejects(
      access.checkRead("secret", { id: "u_fake", name: "root" }),
      isCode("forbidden"),
    );
    await access.addMember("secret", alice);
    equal((await access.checkRead("secret", alice)).role, "member");
    deepEqual(await access.privateRoomsOf("u_alice"), ["secret"]);
    deepEqual(
      (await access.members("secret")).map((m) => [m.id, m.role]),
      [["u_alice", "member"], ["u_owner", "owner"]],
    );
  });
});

Deno.test("a room is created once; a visited room can't be created", async () => {
  await withAccess(async (access) => {
    await access.create("mine", owner, "public", false);
    await rejects(
      access.create("mine", alice, "private", false),
      isCode("name_taken"),
    );
    await rejects(
      access.create("visited", alice, "public", true),
      isCode("name_taken"),
    );
  });
});

Deno.test("owners set roles; moderators ban members but not each other or the owner", async () => {
  await withAccess(async (access) => {
    await access.create("club", owner, "public", false);
    await rejects(
      access.setRole("club", alice, mod.id, "moderator"),
      isCode("forbidden"),
    );
    await access.setRole("club", owner, mod.id, "moderator");
    equal((await access.checkModerator("club", mod)).role, "moderator");
    await access.ban("club", mod, alice.id, undefined);
    await rejects(access.checkRead("club", alice), isCode("forbidden"));
    await rejects(
      access.ban("club", mod, owner.id, undefined),
      isCode("forbidden"),
    );
    await access.setRole("club", owner, bob.id, "moderator");
    await rejects(access.ban("club", mod, bob.id, 5), isCode("forbidden"));
    await rejects(access.ban("club", alice, bob.id, 5), isCode("forbidden"));
    await access.unban("club", mod, alice.id);
    equal((await access.checkRead("club", alice)).role, "member");
    // Back to member: the public room's default, no record left.
    await access.setRole("club", owner, mod.id, "member");
    deepEqual((await access.members("club")).map((m) => m.id), [
      bob.id,
      owner.id,
    ]);
  });
});

Deno.test("a timed ban ends by itself", async () => {
  await withAccess(async (access, clock) => {
    await access.ban("lobby", admin, alice.id, 10);
    await rejects(access.checkRead("lobby", alice), isCode("forbidden"));
    clock.now += 10 * 60_000;
    equal((await access.checkRead("lobby", alice)).role, "member");
  });
});

Deno.test("slow mode spaces a member's posts everywhere; moderators are exempt", async () => {
  await withAccess(async (access, clock) => {
    await access.create("calm", owner, "public", false);
    await access.setSlowMode("calm", owner, 30);
    await access.checkPost("calm", alice);
    clock.now += 10_000;
    const slow = await access.checkPost("calm", alice).then(
      () => null,
      (e: ProtocolError) => e,
    );
    equal(slow?.code, "slow_mode");
    equal(slow?.retryAfterMs, 20_000);
    await access.checkPost("calm", bob); // others are not held by alice's send
    await access.checkPost("calm", owner);
    await access.checkPost("calm", owner);
    clock.now += 20_000;
    await access.checkPost("calm", alice);
    await access.setSlowMode("calm", owner, 0);
    clock.now += VIEW_CACHE_MS + 1;
    await access.checkPost("calm", alice);
  });
});

Deno.test("a DM room holds exactly its two users", async () => {
  await withAccess(async (access) => {
    await access.openDm("dm-x", alice, bob);
    await access.openDm("dm-x", alice, bob); // again: the same room
    equal((await access.checkRead("dm-x", alice)).role, "member");
    equal((await access.checkRead("dm-x", bob)).role, "member");
    await rejects(access.checkRead("dm-x", mod), isCode("forbidden"));
    deepEqual(await access.privateRoomsOf(bob.id), ["dm-x"]);
  });
});

Deno.test("private rooms are hidden from the lobby of everyone but their members and administrators", async () => {
  await withAccess(async (access) => {
    await access.create("secret", owner, "private", false);
    await access.create("open", owner, "public", false);
    await access.openDm("dm-ab", alice, bob);
    deepEqual([...await access.hiddenRooms(null)].sort(), ["dm-ab", "secret"]);
    deepEqual([...await access.hiddenRooms(alice)], ["secret"]);
    deepEqual([...await access.hiddenRooms(owner)], ["dm-ab"]);
    deepEqual([...await access.hiddenRooms(admin)], []);
  });
});

Deno.test("a node posts on its last view of a room until the bus says it changed, or a minute passed", async () => {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: 1_800_000_000_000 };
  try {
    const records = new KvRecords(kv);
    const options = { admins: ["root"], now: () => clock.now };
    const here = new RoomAccess(records, options);
    const there = new RoomAccess(records, options);
    await here.checkRead("hall", alice); // a join reads the view
    await there.ban("hall", admin, alice.id, undefined); // another node
    await here.checkPost("hall", alice); // not told yet: the old view
    here.forget("hall"); // the bus's `access` message
    await rejects(here.checkPost("hall", alice), isCode("forbidden"));
    // Had the message been lost, a minute later the view is read again.
    await there.unban("hall", admin, alice.id);
    await here.checkRead("hall", bob);
    await there.ban("hall", admin, bob.id, undefined);
    await here.checkPost("hall", bob);
    clock.now += VIEW_CACHE_MS + 1;
    await rejects(here.checkPost("hall", bob), isCode("forbidden"));
  } finally {
    kv.close();
  }
});

Deno.test("a room's bans in force are listed; ended and lifted ones are not", async () => {
  await withAccess(async (access, clock) => {
    await access.ban("hall", admin, alice.id, 10);
    await access.ban("hall", admin, bob.id, undefined);
    await access.ban("hall", admin, mod.id, 1);
    await access.unban("hall", admin, bob.id);
    deepEqual([...(await access.bans("hall")).keys()].sort(), [
      alice.id,
      mod.id,
    ]);
    clock.now += 60_000;
    deepEqual([...(await access.bans("hall")).keys()], [alice.id]);
  });
});
