import { deepEqual, equal } from "node:assert/strict";
import type { ChatMessage, NotifyLevel } from "../protocol/types.ts";
import { Notifier, NOTIFY_ALL_CACHE_MS } from "./notifier.ts";

const ada = { id: "u_ada", name: "Ada" };

function message(extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    room: "hall",
    seq: 1,
    id: "m",
    user: ada,
    text: "hi",
    ts: 0,
    ...extra,
  };
}

function fixture() {
  let now = 0;
  const state = {
    all: [] as string[],
    levels: new Map<string, NotifyLevel>(),
    looking: new Set<string>(),
    allReads: 0,
    failLevels: false,
  };
  const sent: string[] = [];
  const errors: unknown[] = [];
  const notifier = new Notifier(
    {
      levels: (_room, ids) => {
        if (state.failLevels) return Promise.reject(new Error("storage down"));
        return Promise.resolve(
          new Map(ids.map((id) => [id, state.levels.get(id) ?? "mentions"])),
        );
      },
      notifyAll: () => {
        state.allReads++;
        return Promise.resolve([...state.all]);
      },
      attentive: (_room, id) => state.looking.has(id),
    },
    {
      send: (id, payload) => {
        sent.push(`${id} ${payload.tag}`);
        return Promise.resolve();
      },
    },
    (error) => errors.push(error),
    () => now,
  );
  return {
    notifier,
    state,
    sent,
    errors,
    advance: (ms: number) => (now += ms),
  };
}

Deno.test("Notifier: mentions and DM partners, minus the sender, the looking and level none", async () => {
  const { notifier, state, sent } = fixture();
  state.levels.set("u_quiet", "none");
  state.looking.add("u_here");
  await notifier.stored(
    message({ mentions: ["u_bo", "u_quiet", "u_here", ada.id] }),
  );
  deepEqual(sent, ["u_bo hall:1"]);
  await notifier.stored(message({ room: "dm-x", seq: 2 }), [ada.id, "u_cy"]);
  deepEqual(sent.at(-1), "u_cy dm-x:2");
});

Deno.test("Notifier: members who want everything, read once per window; a plain message then costs nothing", async () => {
  const { notifier, state, sent, advance } = fixture();
  const first = notifier.stored(message());
  equal(first instanceof Promise, true); // not known yet: reads
  await first;
  equal(state.allReads, 1);
  equal(notifier.stored(message()), undefined); // known empty: no work
  state.all = ["u_fan"];
  advance(NOTIFY_ALL_CACHE_MS);
  await notifier.stored(message({ seq: 5 }));
  deepEqual(sent, ["u_fan hall:5"]);
  state.all = [];
  notifier.levelChanged("hall");
  await notifier.stored(message({ seq: 6 }));
  equal(sent.length, 1);
});

Deno.test("Notifier: a failing read is reported, never thrown", async () => {
  const { notifier, state, errors, sent } = fixture();
  state.failLevels = true;
  await notifier.stored(message({ mentions: ["u_bo"] }));
  equal(sent.length, 0);
  equal(errors.length, 1);
});
