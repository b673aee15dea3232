/**
 * Applying a room's edits, deletions and reactions to the messages a page
 * shows. Each update describes a state, not a step (an edit sets the text, a
 * deletion deletes, a reaction says whether one user's emoji is on), so
 * applying one twice changes nothing: the contract lets a resume replay
 * updates over messages that are already folded. The server folds by the
 * same rules (`lib/engine/fold.ts`).
 *
 * @module
 */
import type { ChatMessage, Reactions, RoomUpdate } from "../protocol/types.ts";

/** The index of the message with `seq` in `messages` (ascending), or -1. */
export function indexOfSeq(
  messages: readonly ChatMessage[],
  seq: number,
): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = messages[mid].seq;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** `message` after `update` (itself when the update changes nothing). */
export function foldUpdate(
  message: ChatMessage,
  update: RoomUpdate,
): ChatMessage {
  if (message.deleted) return message; // nothing happens to a deleted message
  switch (update.type) {
    case "edit":
      if (message.text === update.text && message.edited === update.ts) {
        return message;
      }
      return { ...message, text: update.text, edited: update.ts };
    case "delete": {
      // Nothing of a deleted message is kept: no text, no reactions.
      const { reactions: _r, edited: _e, ...rest } = message;
      return { ...rest, text: "", deleted: true };
    }
    case "reaction": {
      const had = message.reactions?.[update.emoji] ?? [];
      if (had.includes(update.user.id) === update.on) return message;
      const reactions: Reactions = { ...message.reactions };
      const users = had.filter((id) => id !== update.user.id);
      if (update.on) users.push(update.user.id);
      if (users.length > 0) reactions[update.emoji] = users;
      else delete reactions[update.emoji];
      const { reactions: _old, ...rest } = message;
      return Object.keys(reactions).length > 0 ? { ...rest, reactions } : rest;
    }
  }
}

/**
 * `messages` (ascending by `seq`) with `update` applied to its target; the
 * same array when the target is not shown or nothing changed.
 *
 * @example
 * ```ts
 * import { applyUpdate } from "./fold.ts";
 * const user = { id: "u", name: "u" };
 * const m = { room: "r", seq: 1, id: "a", user, text: "helo", ts: 1 };
 * const edit = { type: "edit" as const, room: "r", seq: 2, id: "b", user, ts: 2, target: 1, text: "hello" };
 * console.assert(applyUpdate([m], edit)[0].text === "hello");
 * ```
 */
export function applyUpdate(
  messages: readonly ChatMessage[],
  update: RoomUpdate,
): readonly ChatMessage[] {
  const i = indexOfSeq(messages, update.target);
  if (i === -1) return messages;
  const next = foldUpdate(messages[i], update);
  if (next === messages[i]) return messages;
  const copy = messages.slice();
  copy[i] = next;
  return copy;
}
