import assert from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import { firstUnread, isAtBottom, titleWithCount } from "./use_unread.ts";

const m = (
  seq: number,
  user: string,
  extra: Partial<ChatMessage> = {},
): ChatMessage => ({
  room: "r",
  seq,
  id: `id${seq}`,
  user: { id: user, name: user },
  text: "x",
  ts: 0,
  ...extra,
});

Deno.test("firstUnread: the first message of others after the position, not deleted", () => {
  const messages = [
    m(1, "bob"),
    m(2, "me"),
    m(3, "bob", { deleted: true, text: "" }),
    m(4, "bob"),
  ];
  assert.equal(firstUnread(messages, 0, "me"), 1);
  assert.equal(firstUnread(messages, 1, "me"), 4, "own and deleted skipped");
  assert.equal(firstUnread(messages, 4, "me"), null);
});

Deno.test("titleWithCount: (N) in front, nothing at zero", () => {
  assert.equal(titleWithCount("#a · Comet Chat", 0), "#a · Comet Chat");
  assert.equal(titleWithCount("#a · Comet Chat", 12), "(12) #a · Comet Chat");
});

Deno.test("isAtBottom: within 48 px of the bottom of a column-reverse log", () => {
  const at = (scrollTop: number) =>
    isAtBottom({ scrollTop } as unknown as HTMLElement);
  assert.equal(at(0), true);
  assert.equal(at(-47), true);
  assert.equal(at(-48), false);
});
