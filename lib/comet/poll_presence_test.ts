import { deepEqual, equal } from "node:assert/strict";
import type { User } from "../protocol/types.ts";
import { PollPresence } from "./poll_presence.ts";

function setup() {
  const log: string[] = [];
  let now = 0;
  const presence = {
    add: (room: string, user: User) => log.push(`+${room}:${user.name}`),
    remove: (room: string, user: User) => log.push(`-${room}:${user.name}`),
  };
  const polls = new PollPresence(presence, {
    windowMs: 30_000,
    sweepMs: 60_000,
    now: () => now,
  });
  return { log, polls, advance: (ms: number) => now += ms };
}

const ann = { id: "u_1", name: "ann" };

Deno.test("poll presence: present while polling and for the window after", () => {
  const { log, polls, advance } = setup();
  const end = polls.begin("r", ann);
  deepEqual(log, ["+r:ann"]);
  equal(polls.running, true);
  advance(60_000); // a poll waiting for long still counts
  polls.sweep();
  deepEqual(log, ["+r:ann"]);
  end();
  advance(29_000);
  polls.sweep();
  deepEqual(log, ["+r:ann"]);
  polls.begin("r", ann)(); // polled again: once in presence, window restarts
  advance(29_000);
  polls.sweep();
  deepEqual(log, ["+r:ann"]);
  advance(2_000);
  polls.sweep();
  deepEqual(log, ["+r:ann", "-r:ann"]);
  equal(polls.size, 0);
  equal(polls.running, false, "the sweep timer stops when nobody is left");
});

Deno.test("poll presence: per room, and a rename keeps the user present", () => {
  const { log, polls, advance } = setup();
  polls.begin("r", ann)();
  polls.begin("s", ann)();
  polls.begin("r", { id: "u_1", name: "anna" })();
  deepEqual(log, ["+r:ann", "+s:ann", "+r:anna", "-r:ann"]);
  advance(31_000);
  polls.sweep();
  deepEqual(log.slice(4).sort(), ["-r:anna", "-s:ann"]);
  polls.stop();
});

Deno.test("poll presence: ending twice counts once", () => {
  const { polls, advance, log } = setup();
  const end = polls.begin("r", ann);
  const other = polls.begin("r", ann);
  end();
  end();
  advance(40_000);
  polls.sweep();
  deepEqual(log, ["+r:ann"], "the second poll is still waiting");
  other();
  advance(40_000);
  polls.sweep();
  deepEqual(log, ["+r:ann", "-r:ann"]);
});
