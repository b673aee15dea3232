import { deepEqual, equal } from "node:assert/strict";
import { MAX_PUSH_TEXT, pushPayload, shorten } from "./payload.ts";

const alice = { id: "u_alice", name: "alice", claimed: true as const };

Deno.test("a room message's payload: title, url, tag, sender without extra fields", () => {
  deepEqual(
    pushPayload({ room: "general", seq: 42, user: alice, text: "hi @bob" }, {
      direct: false,
    }),
    {
      room: "general",
      seq: 42,
      from: { id: "u_alice", name: "alice" },
      text: "hi @bob",
      url: "/rooms/general",
      title: "alice in #general",
      tag: "general:42",
    },
  );
});

Deno.test("a direct message is titled after the sender alone", () => {
  const payload = pushPayload(
    { room: "dm-0123abcd", seq: 1, user: alice, text: "psst" },
    { direct: true },
  );
  equal(payload.title, "alice (direct message)");
  equal(payload.url, "/rooms/dm-0123abcd");
  equal(payload.tag, "dm-0123abcd:1");
});

Deno.test("text is cut to 200 characters with an ellipsis, never inside a character", () => {
  equal(shorten("a".repeat(MAX_PUSH_TEXT)), "a".repeat(MAX_PUSH_TEXT));
  const cut = shorten("a".repeat(MAX_PUSH_TEXT + 1));
  equal(Array.from(cut).length, MAX_PUSH_TEXT);
  equal(cut, `${"a".repeat(MAX_PUSH_TEXT - 1)}…`);
  const emoji = shorten("👋".repeat(300));
  equal(Array.from(emoji).length, MAX_PUSH_TEXT);
  equal(emoji, `${"👋".repeat(MAX_PUSH_TEXT - 1)}…`);
  equal(
    pushPayload({ room: "r", seq: 1, user: alice, text: "x".repeat(5000) }, {
      direct: false,
    }).text.length,
    MAX_PUSH_TEXT,
  );
});
