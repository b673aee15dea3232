import { equal, rejects } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import type { User } from "../protocol/types.ts";
import { openTestChat } from "./test_support.ts";
import {
  RoomSubscription,
  type SubscriptionSink,
} from "./room_subscription.ts";

const admin: User = { id: "u_root", name: "root", claimed: true };
const troll: User = { id: "u_troll", name: "troll" };

const sink = (): SubscriptionSink => ({
  roomEvent() {},
  event() {},
  lost() {},
  removed() {},
});

const forbidden = (e: unknown) =>
  e instanceof ProtocolError && e.code === "forbidden";

Deno.test("a ban heard while a join is under way refuses the join and leaves no subscription", async () => {
  const core = await openTestChat();
  try {
    const { access, chat, hub } = core;
    // The ban lands on this node right after the join's first check.
    const check = access.checkRead.bind(access);
    let first = true;
    access.checkRead = async (room, user, options) => {
      const view = await check(room, user, options);
      if (first) {
        first = false;
        await access.ban(room, admin, troll.id, undefined);
        chat.accessChanged(room, troll.id);
      }
      return view;
    };
    const subscription = new RoomSubscription("hall", troll, sink());
    await rejects(chat.join(subscription, undefined, () => {}), forbidden);
    equal(hub.channel("hall")?.subscribers.size ?? 0, 0);
  } finally {
    core.close();
  }
});

Deno.test("a join of a room nobody changed meanwhile checks once", async () => {
  const core = await openTestChat();
  try {
    const { access, chat } = core;
    let checks = 0;
    const check = access.checkRead.bind(access);
    access.checkRead = (room, user, options) => {
      checks++;
      return check(room, user, options);
    };
    const subscription = new RoomSubscription("hall", troll, sink());
    await chat.join(subscription, undefined, () => {});
    equal(checks, 1);
    chat.leave(subscription);
  } finally {
    core.close();
  }
});
