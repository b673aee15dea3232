import assert from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import {
  MAX_BODY_CHARS,
  messageNotification,
  NOTIFICATION_ICON,
  saveLevel,
  shorten,
  shouldNotify,
} from "./notifications.ts";

const message = (extra: Partial<ChatMessage> = {}): ChatMessage => ({
  room: "general",
  seq: 12,
  id: "m1",
  user: { id: "u_a", name: "alice" },
  text: "hello",
  ts: 0,
  ...extra,
});

Deno.test("shouldNotify: levels, direct messages, mentions, never my own", () => {
  const rule = { meId: "u_me", level: "mentions" as const, dm: false };
  assert.equal(shouldNotify(message(), rule), false);
  assert.equal(shouldNotify(message({ mentions: ["u_me"] }), rule), true);
  assert.equal(shouldNotify(message({ mentions: ["u_x"] }), rule), false);
  assert.equal(shouldNotify(message(), { ...rule, dm: true }), true);
  assert.equal(shouldNotify(message(), { ...rule, level: "all" }), true);
  for (const dm of [true, false]) {
    assert.equal(
      shouldNotify(message({ mentions: ["u_me"] }), {
        ...rule,
        dm,
        level: "none",
      }),
      false,
    );
  }
  const mine = message({ user: { id: "u_me", name: "me" } });
  assert.equal(shouldNotify(mine, { ...rule, level: "all" }), false);
  assert.equal(
    shouldNotify(message({ deleted: true }), { ...rule, level: "all" }),
    false,
  );
  // Without an identity nothing mentions the person.
  assert.equal(
    shouldNotify(message({ mentions: ["u_me"] }), { ...rule, meId: undefined }),
    false,
  );
});

Deno.test("shorten: at most 200 characters, code points, with …", () => {
  assert.equal(shorten("short"), "short");
  const long = "🦀".repeat(MAX_BODY_CHARS + 5);
  const cut = shorten(long);
  assert.equal([...cut].length, MAX_BODY_CHARS);
  assert.ok(cut.endsWith("🦀…"));
  assert.equal(shorten("x".repeat(MAX_BODY_CHARS)), "x".repeat(MAX_BODY_CHARS));
});

Deno.test("messageNotification: the push payload's title, tag and url", () => {
  assert.deepEqual(messageNotification("general", message(), false), {
    title: "alice in #general",
    options: {
      body: "hello",
      tag: "general:12",
      data: { url: "/rooms/general" },
      icon: NOTIFICATION_ICON,
    },
  });
  assert.equal(
    messageNotification("dm-x", message({ room: "dm-x" }), true).title,
    "alice (direct message)",
  );
});

Deno.test("saveLevel: PUT the level; the server's refusal as the error", async () => {
  const calls: [string, RequestInit | undefined][] = [];
  let reply = new Response(JSON.stringify({ room: "a", level: "all" }));
  const real = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    calls.push([String(input), init]);
    return Promise.resolve(reply);
  };
  try {
    await saveLevel("a", "all");
    assert.equal(calls[0][0], "/api/rooms/a/notifications");
    assert.equal(calls[0][1]?.method, "PUT");
    assert.equal(calls[0][1]?.body, '{"level":"all"}');
    reply = new Response(
      JSON.stringify({ error: { code: "forbidden", message: "Not yours" } }),
      { status: 403 },
    );
    await assert.rejects(saveLevel("a", "none"), /Not yours/);
    reply = new Response("oops", { status: 502 });
    await assert.rejects(saveLevel("a", "none"), /HTTP 502/);
  } finally {
    globalThis.fetch = real;
  }
});
