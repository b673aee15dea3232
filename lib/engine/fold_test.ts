import assert, { deepEqual, equal, throws } from "node:assert/strict";
import type { ChatMessage, RoomUpdate, User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import {
  applyUpdate,
  checkTarget,
  eventOf,
  type Fold,
  foldMessage,
  MAX_EMOJI_PER_MESSAGE,
  MAX_REACTIONS_PER_MESSAGE,
} from "./fold.ts";
import type { EventInput } from "./engine.ts";

const alice: User = { id: "u_alice", name: "alice" };
const bob: User = { id: "u_bob", name: "bob" };
const message: ChatMessage = {
  room: "r",
  seq: 1,
  id: "m1",
  user: alice,
  text: "hello",
  ts: 100,
};

const update = (user: User, seq: number, input: EventInput) =>
  eventOf("r", seq, `x${seq}`, user, 1000 + seq, input) as RoomUpdate;

function refusedWith(fn: () => unknown, code: string): void {
  throws(fn, (error: unknown) => {
    assert(error instanceof ProtocolError);
    equal(error.code, code);
    equal(error.ref, "ref");
    return true;
  });
}

Deno.test("fold: edits set the text and time, deletion clears everything", () => {
  let fold: Fold | undefined;
  fold = applyUpdate(
    fold,
    update(alice, 2, { type: "edit", target: 1, text: "hi" }),
  );
  fold = applyUpdate(
    fold,
    update(bob, 3, { type: "reaction", target: 1, emoji: "👍", on: true }),
  );
  fold = applyUpdate(
    fold,
    update(alice, 4, { type: "edit", target: 1, text: "hi!" }),
  );
  deepEqual(foldMessage(message, fold), {
    ...message,
    text: "hi!",
    edited: 1004,
    reactions: { "👍": [bob.id] },
  });
  fold = applyUpdate(fold, update(alice, 5, { type: "delete", target: 1 }));
  deepEqual(foldMessage(message, fold), {
    ...message,
    text: "",
    deleted: true,
  });
  equal(foldMessage(message, undefined), message, "nothing happened: itself");
});

Deno.test("fold: reactions are sets per emoji, in order; removing the last drops the emoji", () => {
  const react = (user: User, seq: number, emoji: string, on: boolean) =>
    update(user, seq, { type: "reaction", target: 1, emoji, on });
  let fold = applyUpdate(undefined, react(bob, 2, "👍", true));
  fold = applyUpdate(fold, react(alice, 3, "👍", true));
  fold = applyUpdate(fold, react(bob, 4, "👍", true)); // again: no change
  deepEqual(fold.reactions, { "👍": [bob.id, alice.id] });
  fold = applyUpdate(fold, react(alice, 5, "🎉", true));
  fold = applyUpdate(fold, react(alice, 6, "👍", false));
  fold = applyUpdate(fold, react(bob, 7, "👍", false));
  deepEqual(fold.reactions, { "🎉": [alice.id] });
  fold = applyUpdate(fold, react(alice, 8, "🎉", false));
  equal(fold.reactions, undefined);
  deepEqual(foldMessage(message, fold), message);
});

Deno.test("checkTarget: not_found for missing, non-message and deleted targets", () => {
  const edit: EventInput = { type: "edit", target: 1, text: "x" };
  refusedWith(
    () => checkTarget(edit, alice, undefined, undefined, "ref"),
    "not_found",
  );
  const reaction = update(alice, 2, {
    type: "reaction",
    target: 1,
    emoji: "👍",
    on: true,
  });
  refusedWith(
    () =>
      checkTarget({ ...edit, target: 2 }, alice, reaction, undefined, "ref"),
    "not_found",
  );
  refusedWith(
    () => checkTarget(edit, alice, message, { deleted: true }, "ref"),
    "not_found",
  );
  refusedWith(
    () =>
      checkTarget(
        { type: "message", text: "re", replyTo: 1 },
        bob,
        message,
        { deleted: true },
        "ref",
      ),
    "not_found",
  );
  // A message without a reply needs no target at all.
  checkTarget({ type: "message", text: "hi" }, bob, undefined, undefined, "r");
});

Deno.test("checkTarget: only the author edits or deletes; anyone reacts and replies", () => {
  refusedWith(
    () =>
      checkTarget(
        { type: "edit", target: 1, text: "x" },
        bob,
        message,
        undefined,
        "ref",
      ),
    "forbidden",
  );
  refusedWith(
    () =>
      checkTarget(
        { type: "delete", target: 1 },
        bob,
        message,
        undefined,
        "ref",
      ),
    "forbidden",
  );
  checkTarget({ type: "delete", target: 1 }, alice, message, undefined, "ref");
  checkTarget(
    { type: "reaction", target: 1, emoji: "👍", on: true },
    bob,
    message,
    undefined,
    "ref",
  );
  checkTarget(
    { type: "message", text: "re", replyTo: 1 },
    bob,
    message,
    undefined,
    "ref",
  );
});

Deno.test("checkTarget: a message's reactions are bounded in emoji and in total", () => {
  const many: Fold = { reactions: {} };
  for (let i = 0; i < MAX_EMOJI_PER_MESSAGE; i++) {
    many.reactions![String.fromCodePoint(0x1f600 + i)] = [alice.id];
  }
  const react = (emoji: string): EventInput => ({
    type: "reaction",
    target: 1,
    emoji,
    on: true,
  });
  refusedWith(
    () => checkTarget(react("🦊"), bob, message, many, "ref"),
    "forbidden",
  );
  // Another user on an emoji already there still fits.
  checkTarget(react("😀"), bob, message, many, "ref");
  const full: Fold = {
    reactions: {
      "👍": Array.from(
        { length: MAX_REACTIONS_PER_MESSAGE },
        (_, i) => `u${i}`,
      ),
    },
  };
  refusedWith(
    () => checkTarget(react("👍"), bob, message, full, "ref"),
    "forbidden",
  );
  // Removing, or repeating one already given, always passes.
  checkTarget(
    { type: "reaction", target: 1, emoji: "👍", on: false },
    bob,
    message,
    full,
    "ref",
  );
  checkTarget(react("👍"), { id: "u0", name: "zero" }, message, full, "ref");
});
