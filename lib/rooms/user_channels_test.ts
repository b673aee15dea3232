import { deepEqual } from "node:assert/strict";
import { waitUntil } from "../../tests/helpers/wait.ts";
import { Bus } from "../bus/bus.ts";
import type { UserEvent } from "../bus/messages.ts";
import { UserChannels, type UserFollower } from "./user_channels.ts";

function follower(id: string, seen: string[]): UserFollower {
  return {
    followerId: id,
    userEvent: (event: UserEvent) =>
      seen.push(`${id} ${event.room}:${event.seq}`),
  };
}

Deno.test("UserChannels: a user's events reach their connections on every node but the sender", async () => {
  const channel = `users-test-${crypto.randomUUID()}`;
  const busA = new Bus({ channel });
  const busB = new Bus({ channel });
  try {
    const a = new UserChannels(busA);
    const b = new UserChannels(busB);
    const seen: string[] = [];
    const tab1 = follower("a.1", seen);
    const tab2 = follower("a.2", seen);
    a.follow("u_x", tab1);
    a.follow("u_x", tab2);
    b.follow("u_x", follower("b.1", seen));
    a.follow("u_y", follower("a.3", seen));
    // Peers are heard before postToPeers posts to them.
    busB.post({ k: "hb", node: "b", ver: 0 });
    await waitUntil("a hears b", () => busA.hasPeers());
    a.publish("u_x", { type: "read", room: "r", seq: 3 }, "a.1");
    await waitUntil("b delivered", () => seen.length === 2);
    deepEqual(seen.sort(), ["a.2 r:3", "b.1 r:3"]);
    a.unfollow("u_x", tab2);
    a.unfollow("u_x", tab1);
    a.publish("u_x", { type: "read", room: "r", seq: 4 });
    await waitUntil("b delivered again", () => seen.length === 3);
    deepEqual(seen.at(-1), "b.1 r:4");
  } finally {
    busA.close();
    busB.close();
  }
});
