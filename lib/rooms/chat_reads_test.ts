/**
 * Read positions, counts, mentions and who is pushed, through the chat core
 * every transport uses (in-process, on an in-memory KV).
 */
import { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, ServerEvent, User } from "../protocol/types.ts";
import { openTestChat, type TestChat } from "./test_support.ts";
import {
  RoomSubscription,
  type SubscriptionSink,
} from "./room_subscription.ts";
import type { JoinResult } from "./chat_port.ts";
import { RoomWatch } from "../reads/room_watch.ts";

const ada: User = { id: "u_ada", name: "Ada" };
const bob: User = { id: "u_bob", name: "bob" };
const cy: User = { id: "u_cy", name: "Cy Twombly" };

const sink = (): SubscriptionSink => ({
  roomEvent() {},
  event() {},
  lost() {},
  removed() {},
});

async function join(
  core: TestChat,
  room: string,
  user: User,
  since?: number,
): Promise<{ reply: JoinResult; subscription: RoomSubscription }> {
  const subscription = new RoomSubscription(room, user, sink());
  let reply: JoinResult | undefined;
  await core.chat.join(subscription, since, (r) => (reply = r));
  return { reply: reply!, subscription };
}

async function say(core: TestChat, room: string, user: User, text: string) {
  const { event } = await core.chat.post(room, user, crypto.randomUUID(), {
    type: "message",
    text,
  });
  return event as ChatMessage;
}

Deno.test("counts: others' messages after the position, not one's own or deleted ones", async () => {
  const core = await openTestChat();
  try {
    const { chat } = core;
    const { subscription } = await join(core, "hall", bob);
    chat.leave(subscription);
    await say(core, "hall", ada, "one");
    const two = await say(core, "hall", ada, "two");
    await say(core, "hall", ada, "three");
    await chat.post("hall", ada, "del-1", { type: "delete", target: two.seq });
    let position = await chat.position("hall", bob);
    deepEqual(
      { read: position.read, unread: position.unread, seq: position.seq },
      { read: 0, unread: 2, seq: 4 },
    );
    // Writing is reading: bob's own message moves his position.
    const mine = await say(core, "hall", bob, "caught up");
    await say(core, "hall", ada, "four");
    position = await chat.position("hall", bob);
    equal(position.read, mine.seq);
    equal(position.unread, 1);
    // The stored position moves forward only, and is clamped to the head.
    await chat.markRead("hall", bob, 999);
    equal((await chat.position("hall", bob)).unread, 0);
    await chat.markRead("hall", bob, 1);
    equal((await chat.position("hall", bob)).read, 6);
    const { reply } = await join(core, "hall", bob);
    equal(reply.read, 6);
  } finally {
    core.close();
  }
});

Deno.test("listRooms: counts and level for the rooms the user is in, none for others", async () => {
  const core = await openTestChat();
  try {
    const { chat } = core;
    chat.leave((await join(core, "mine", bob)).subscription);
    await say(core, "mine", ada, "hi @bob");
    await say(core, "mine", ada, "again");
    await say(core, "theirs", ada, "elsewhere");
    await chat.setLevel("mine", bob, "all");
    const rooms = new Map(
      (await chat.listRooms(bob)).map((r) => [r.room, r]),
    );
    const mine = rooms.get("mine")!;
    deepEqual(
      [mine.read, mine.unread, mine.mentions, mine.level],
      [0, 2, 1, "all"],
    );
    equal(rooms.get("theirs")!.unread, undefined);
    equal(rooms.get("theirs")!.read, undefined);
  } finally {
    core.close();
  }
});

Deno.test("mentions: members by name, longest name first, stored on the message", async () => {
  const core = await openTestChat();
  try {
    const { chat } = core;
    for (const user of [ada, bob, cy]) {
      chat.leave((await join(core, "hall", user)).subscription);
    }
    const message = await say(
      core,
      "hall",
      ada,
      "@Cy Twombly and @BOB, not me@bob",
    );
    deepEqual(message.mentions, [cy.id, bob.id]);
    const plain = await say(core, "hall", ada, "nobody here");
    equal(plain.mentions, undefined);
    const { reply } = await join(core, "hall", bob);
    deepEqual(
      reply.messages.find((m) => m.seq === message.seq)?.mentions,
      [cy.id, bob.id],
    );
  } finally {
    core.close();
  }
});

Deno.test("notifier: DMs and mentions push the away, not the sender, the looking or level none", async () => {
  const core = await openTestChat();
  try {
    const { chat, access, pushes } = core;
    await access.openDm("dm-ab", ada, bob);
    await say(core, "dm-ab", ada, "psst");
    await waitFor(() => pushes.length === 1);
    equal(pushes[0].userId, bob.id);
    equal(pushes[0].payload.title, "Ada (direct message)");
    equal(pushes[0].payload.tag, `dm-ab:1`);

    // Bob looks at the DM: no push; his page hides: pushed again.
    const { subscription } = await join(core, "dm-ab", bob);
    await say(core, "dm-ab", ada, "seen?");
    chat.setHidden(subscription, true);
    await say(core, "dm-ab", ada, "hidden now");
    await waitFor(() => pushes.length === 2);
    equal(pushes[1].payload.text, "hidden now");
    chat.leave(subscription);

    // A mention in a public room; level none silences it.
    chat.leave((await join(core, "hall", bob)).subscription);
    await say(core, "hall", ada, "hey @bob");
    await waitFor(() => pushes.length === 3);
    await chat.setLevel("hall", bob, "none");
    await say(core, "hall", ada, "hey @bob again");
    // Level all: every message, and only others'.
    await chat.setLevel("hall", ada, "all");
    await say(core, "hall", bob, "plain");
    await say(core, "hall", ada, "mine");
    await waitFor(() => pushes.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    deepEqual(
      pushes.slice(2).map((p) => [p.userId, p.payload.text]),
      [[bob.id, "hey @bob"], [ada.id, "plain"]],
    );
  } finally {
    core.close();
  }
});

Deno.test("watch: exact counts live, moved by reads from elsewhere and one's own sends", async () => {
  const core = await openTestChat();
  try {
    const { chat } = core;
    chat.leave((await join(core, "hall", bob)).subscription);
    await say(core, "hall", ada, "before");
    const frames: ServerEvent[] = [];
    const watch = new RoomWatch("hall", {
      send: (event) => frames.push(event),
      rewatch() {},
    });
    const subscription = new RoomSubscription("hall", bob, watch, {
      countsPresence: false,
    });
    await chat.watch(subscription, (state) => watch.start(state));
    const counts = () => {
      const last = frames.at(-1);
      return last?.type === "unread" ? [last.unread, last.mentions] : [];
    };
    deepEqual(counts(), [1, 0]);
    const hey = await say(core, "hall", ada, "@bob hey");
    await waitFor(() => counts()[0] === 2);
    deepEqual(counts(), [2, 1]);
    await chat.post("hall", ada, "d", { type: "delete", target: hey.seq });
    await waitFor(() => counts()[0] === 1);
    deepEqual(counts(), [1, 0]);
    watch.readTo(3);
    deepEqual(counts(), [0, 0]);
    await say(core, "hall", ada, "more");
    await waitFor(() => counts()[0] === 1);
    await say(core, "hall", bob, "me too");
    await waitFor(() => counts()[0] === 0);
    chat.leave(subscription);
    equal(chat.online("hall").length, 0);
  } finally {
    core.close();
  }
});

async function waitFor(done: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
