import { equal, match, notEqual } from "node:assert/strict";
import { dmRoomName, isUserId } from "./direct_messages.ts";

Deno.test("two users have one DM room, whichever opens it, a valid room name", async () => {
  const ab = await dmRoomName("u_a", "u_b");
  equal(await dmRoomName("u_b", "u_a"), ab);
  match(ab, /^dm-[0-9a-f]{24}$/);
  notEqual(await dmRoomName("u_a", "u_c"), ab);
});

Deno.test("user ids are u_ and base64url", () => {
  equal(isUserId("u_AbC-_9"), true);
  equal(isUserId("u_"), false);
  equal(isUserId("x_abc"), false);
  equal(isUserId("u_a b"), false);
  equal(isUserId(42), false);
});
