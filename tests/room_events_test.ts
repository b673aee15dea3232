/**
 * Room events beyond messages over a real server: replies, edits,
 * deletions and reactions on WebSocket, SSE, long poll and HTTP; refused
 * input changes nothing; repeated ids are idempotent; a resume across a
 * disconnect replays exactly what changed; pages are folded; typing right
 * after a send is relayed. The suite runs on one isolate, on two isolates of
 * each engine that runs there (embedded, KV only), and on the Redis engine.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { type Event, TestClient } from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { newSession } from "./helpers/http.ts";
import { startRedis, type TestRedis } from "./helpers/redis.ts";

const ROOM = "events";
const ackOf = (id: string) => (e: Event) => e.type === "ack" && e.id === id;
const errorOf = (id: string) => (e: Event) =>
  e.type === "error" && e.ref === id;

/** Sends a frame and waits for its ack; returns the acked seq. */
async function acked(client: TestClient, frame: Event): Promise<number> {
  client.send(frame);
  return (await client.next(ackOf(String(frame.id)))).seq as number;
}

/** Sends a frame and waits for its error; returns the code. */
async function refused(client: TestClient, frame: Event): Promise<string> {
  client.send(frame);
  return (await client.next(errorOf(String(frame.id)))).code as string;
}

async function head(origin: string): Promise<number> {
  const res = await fetch(`${origin}/api/rooms`);
  const { rooms } = await res.json();
  return rooms.find((r: { room: string }) => r.room === ROOM)?.seq ?? 0;
}

/** Runs the suite against servers `setup` describes. */
function roomEventsSuite(
  name: string,
  setup: () => Promise<{
    isolates: number;
    env: Record<string, string>;
    stop?: () => Promise<void>;
  }>,
): void {
  Deno.test({
    name: `room events on every transport, ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: (t) => suite(t, setup),
  });
}

async function suite(
  t: Deno.TestContext,
  setup: Parameters<typeof roomEventsSuite>[1],
): Promise<void> {
  const { isolates, env, stop } = await setup();
  const server = await startServer({
    isolates,
    env: { CHAT_SEND_RATE: "0", CHAT_PRESENCE_GRACE_MS: "0", ...env },
  });
  const open: TestClient[] = [];
  try {
    const alice = await TestClient.connect(server.wsUrl, { name: "alice" });
    let bob = await TestClient.connect(server.wsUrl, { name: "bob" });
    open.push(alice, bob);
    await alice.join(ROOM);
    await bob.join(ROOM);

    await t.step(
      "WebSocket: reply, edit, react, each acked with its seq and seen by both",
      async () => {
        equal(await alice.post(ROOM, "m1", "helo").then((a) => a.seq), 1);
        equal(
          await acked(bob, {
            type: "send",
            room: ROOM,
            id: "m2",
            text: "hi alice",
            replyTo: 1,
          }),
          2,
        );
        equal(
          await acked(alice, {
            type: "edit",
            room: ROOM,
            id: "e1",
            target: 1,
            text: "hello",
          }),
          3,
        );
        equal(
          await acked(bob, {
            type: "react",
            room: ROOM,
            id: "r1",
            target: 1,
            emoji: "👍",
            on: true,
          }),
          4,
        );
        for (const client of [alice, bob]) {
          const reply = await client.next((e) =>
            e.type === "message" && e.seq === 2
          );
          equal(reply.replyTo, 1);
          const edit = await client.next((e) => e.type === "edit");
          deepEqual([edit.seq, edit.target, edit.text], [3, 1, "hello"]);
          assert(typeof edit.ts === "number" && typeof edit.id === "string");
          const reaction = await client.next((e) => e.type === "reaction");
          deepEqual(
            [reaction.seq, reaction.target, reaction.emoji, reaction.on],
            [4, 1, "👍", true],
          );
        }
      },
    );

    await t.step(
      "refused input gets its code and changes nothing",
      async () => {
        const before = await head(server.origin);
        const base = { room: ROOM, target: 1 };
        equal(
          await refused(bob, {
            ...base,
            type: "edit",
            id: "x1",
            text: "mine",
          }),
          "forbidden",
        );
        equal(
          await refused(bob, { ...base, type: "delete", id: "x2" }),
          "forbidden",
        );
        equal(
          await refused(alice, {
            ...base,
            type: "edit",
            id: "x3",
            target: 99,
            text: "none",
          }),
          "not_found",
        );
        equal(
          await refused(alice, {
            ...base,
            type: "react",
            id: "x4",
            emoji: "ok",
            on: true,
          }),
          "bad_request",
        );
        equal(
          await refused(alice, {
            ...base,
            type: "edit",
            id: "x5",
            text: " ",
          }),
          "text_invalid",
        );
        equal(
          await refused(alice, {
            type: "send",
            room: ROOM,
            id: "x6",
            text: "re",
            replyTo: 3,
          }),
          "not_found",
          "a reply must target a message",
        );
        equal(await head(server.origin), before);
      },
    );

    await t.step(
      "a repeated id is acked with its first seq and stored once",
      async () => {
        const events = alice.events.length;
        equal(
          await acked(alice, {
            type: "edit",
            room: ROOM,
            id: "e1",
            target: 1,
            text: "hello again",
          }),
          3,
        );
        equal(await head(server.origin), 4);
        equal(
          alice.events.slice(events).filter((e) => e.type === "edit").length,
          0,
        );
      },
    );

    let cursor = 0;
    await t.step(
      "resume after a disconnect replays the edits, deletions and reactions",
      async () => {
        cursor = await head(server.origin);
        await bob.close();
        equal(
          await acked(alice, {
            type: "edit",
            room: ROOM,
            id: "e2",
            target: 1,
            text: "hello, bob",
          }),
          5,
        );
        equal(await alice.post(ROOM, "m3", "more").then((a) => a.seq), 6);
        equal(
          await acked(alice, {
            type: "react",
            room: ROOM,
            id: "r2",
            target: 2,
            emoji: "🎉",
            on: true,
          }),
          7,
        );
        equal(
          await acked(alice, {
            type: "delete",
            room: ROOM,
            id: "d1",
            target: 6,
          }),
          8,
        );
        bob = await TestClient.connect(server.wsUrl, {
          name: "bob",
          token: bob.welcome.token,
        });
        open.push(bob);
        const joined = await bob.join(ROOM, cursor);
        equal(joined.seq, 8);
        const messages = joined.messages as Array<Record<string, unknown>>;
        const updates = joined.updates as Array<Record<string, unknown>>;
        deepEqual(messages.map((m) => [m.seq, m.deleted, m.text]), [
          [6, true, ""],
        ]);
        deepEqual(updates.map((u) => [u.seq, u.type]), [
          [5, "edit"],
          [7, "reaction"],
          [8, "delete"],
        ]);
        const covered = [...messages, ...updates].map((e) => e.seq as number)
          .sort((a, b) => a - b);
        deepEqual(covered, [5, 6, 7, 8], "every seq after the cursor");
      },
    );

    await t.step(
      "SSE resumes with edit, reaction and delete events (id: seq)",
      async () => {
        const sse = await SseClient.open(
          `${server.origin}/api/rooms/${ROOM}/events?since=${cursor}`,
        );
        try {
          await sse.next((e) => e.event === "delete");
          deepEqual(
            sse.events.filter((e) => e.id !== "" && e.event !== "joined").map(
              (
                e,
              ) => [e.id, e.event],
            ),
            [["5", "edit"], ["6", "message"], ["7", "reaction"], [
              "8",
              "delete",
            ]],
          );
          // Live: a reaction removed arrives as a reaction event.
          await acked(bob, {
            type: "react",
            room: ROOM,
            id: "r1-off",
            target: 1,
            emoji: "👍",
            on: false,
          });
          const off = await sse.next((e) =>
            e.event === "reaction" && e.id === "9"
          );
          equal(JSON.parse(off.data).on, false);
        } finally {
          await sse.close();
        }
      },
    );

    await t.step(
      "long poll: updates after since, and it wakes on a reaction",
      async () => {
        const url = `${server.origin}/api/rooms/${ROOM}/messages`;
        const backlog = await (await fetch(`${url}?since=${cursor}`)).json();
        deepEqual(backlog.updates.map((u: Event) => u.seq), [5, 7, 8, 9]);
        deepEqual(backlog.messages.map((m: Event) => m.seq), [6]);
        equal(backlog.seq, 9);
        const waiting = fetch(`${url}?since=9&wait=10`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await acked(alice, {
          type: "react",
          room: ROOM,
          id: "r3",
          target: 1,
          emoji: "❤️",
          on: true,
        });
        const woke = await (await waiting).json();
        deepEqual(woke.messages, []);
        deepEqual(woke.updates.map((u: Event) => [u.seq, u.emoji]), [
          [10, "❤️"],
        ]);
      },
    );

    await t.step(
      "HTTP: edit, react and delete posts; 403, 404; folded history",
      async () => {
        const token = await newSession(server.origin, "carol");
        const post = async (body: Record<string, unknown>) => {
          const res = await fetch(
            `${server.origin}/api/rooms/${ROOM}/messages`,
            {
              method: "POST",
              headers: {
                "content-type": "application/json",
                authorization: `Bearer ${token}`,
              },
              body: JSON.stringify(body),
            },
          );
          return { status: res.status, body: await res.json() };
        };
        equal((await post({ id: "c1", text: "carol here" })).body.seq, 11);
        const edit = await post({
          type: "edit",
          id: "c2",
          target: 11,
          text: "carol was here",
        });
        deepEqual([edit.status, edit.body.seq], [201, 12]);
        equal(
          (await post({
            type: "edit",
            id: "c2",
            target: 11,
            text: "again",
          })).status,
          200,
        );
        equal(
          (await post({
            type: "react",
            id: "c3",
            target: 1,
            emoji: "👍",
            on: true,
          }))
            .status,
          201,
        );
        const forbidden = await post({ type: "delete", id: "c4", target: 1 });
        deepEqual([forbidden.status, forbidden.body.error.code], [
          403,
          "forbidden",
        ]);
        const missing = await post({ type: "delete", id: "c5", target: 500 });
        deepEqual([missing.status, missing.body.error.code], [
          404,
          "not_found",
        ]);
        const bad = await post({ type: "shout", id: "c6", text: "x" });
        equal(bad.status, 400);
        const page = await (await fetch(
          `${server.origin}/api/rooms/${ROOM}/messages`,
        )).json();
        const bySeq = new Map(
          page.messages.map((m: Event) => [m.seq, m]),
        ) as Map<number, Event>;
        deepEqual([...bySeq.keys()], [1, 2, 6, 11]);
        equal(bySeq.get(1)!.text, "hello, bob");
        assert(typeof bySeq.get(1)!.edited === "number");
        deepEqual(bySeq.get(1)!.reactions, {
          "❤️": [alice.welcome.user && (alice.welcome.user as Event).id],
          "👍": [(await sessionUser(server.origin, token)).id],
        });
        deepEqual(bySeq.get(2)!.reactions, {
          "🎉": [(alice.welcome.user as Event).id],
        });
        equal(bySeq.get(6)!.deleted, true);
        equal(bySeq.get(11)!.text, "carol was here");
        equal(await head(server.origin), 13, "the head counts every event");
      },
    );

    await t.step("typing right after a send reaches the others", async () => {
      const typings = () =>
        bob.events.filter((e) => e.type === "typing" && e.room === ROOM)
          .length;
      const before = typings();
      alice.send({ type: "typing", room: ROOM });
      await bob.next((e) => e.type === "typing", 5_000, bob.events.length - 1)
        .catch(() => {});
      await alice.post(ROOM, "t1", "sent");
      alice.send({ type: "typing", room: ROOM });
      const deadline = Date.now() + 3_000;
      while (typings() < before + 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      equal(typings(), before + 2, "both typing signals were relayed");
    });
  } finally {
    for (const client of open) await client.close().catch(() => {});
    await server.stop();
    await stop?.();
  }
}

roomEventsSuite("one isolate", () => Promise.resolve({ isolates: 1, env: {} }));
roomEventsSuite(
  "two isolates, embedded engine",
  () => Promise.resolve({ isolates: 2, env: {} }),
);
roomEventsSuite(
  "two isolates, KV-only engine",
  () => Promise.resolve({ isolates: 2, env: { CHAT_BROADCAST: "0" } }),
);
roomEventsSuite("Redis engine", async () => {
  const redis: TestRedis = await startRedis();
  return {
    isolates: 1,
    env: { CHAT_REDIS_URL: redis.url },
    stop: () => redis.stop(),
  };
});

/** The user of a token, from `POST /api/session` with it. */
async function sessionUser(
  origin: string,
  token: string,
): Promise<{ id: string }> {
  const res = await fetch(`${origin}/api/session`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ name: "carol" }),
  });
  return (await res.json()).user;
}
