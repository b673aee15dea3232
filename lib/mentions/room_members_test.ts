import { deepEqual, equal } from "node:assert/strict";
import { MEMBERS_CACHE_MS, RoomMembers } from "./room_members.ts";
import type { User } from "../protocol/types.ts";

function fixture(stored: User[]) {
  let now = 0;
  const loads: string[] = [];
  const members = new RoomMembers(async (room) => {
    loads.push(room);
    return await Promise.resolve([...stored]);
  }, () => now);
  return { members, loads, advance: (ms: number) => (now += ms) };
}

Deno.test("RoomMembers: text without @ reads nothing", async () => {
  const { members, loads } = fixture([{ id: "u_a", name: "ada" }]);
  deepEqual(await members.mentions("r", "hello", []), []);
  deepEqual(loads, []);
});

Deno.test("RoomMembers: stored names are read once per window; online users count", async () => {
  const stored = [{ id: "u_a", name: "ada" }];
  const { members, loads, advance } = fixture(stored);
  deepEqual(await members.mentions("r", "@ada", []), ["u_a"]);
  deepEqual(
    await members.mentions("r", "@ada @cy", [{ id: "u_c", name: "cy" }]),
    ["u_a", "u_c"],
  );
  equal(loads.length, 1);
  stored.push({ id: "u_b", name: "bo" });
  deepEqual(await members.mentions("r", "@bo", []), []);
  advance(MEMBERS_CACHE_MS);
  deepEqual(await members.mentions("r", "@bo", []), ["u_b"]);
  equal(loads.length, 2);
});

Deno.test("RoomMembers: a join on this node is mentionable at once", async () => {
  const { members } = fixture([{ id: "u_a", name: "ada" }]);
  await members.mentions("r", "@ada", []);
  members.joined("r", { id: "u_d", name: "dee" });
  deepEqual(await members.mentions("r", "@dee", []), ["u_d"]);
});
