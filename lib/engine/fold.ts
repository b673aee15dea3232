/**
 * Folding: what edits, deletions and reactions do to the message they
 * target, and the rules they must pass. Every engine stores, beside each
 * update and in the same atomic write, the target's {@linkcode Fold} as it
 * stands after it, so a page of messages is folded with one read of the
 * folds of its `seq` range, whatever the room's history holds. The Redis
 * engine applies the same rules in its append script (`redis/scripts.ts`).
 *
 * @module
 */
import type {
  ChatMessage,
  Reactions,
  RoomEvent,
  RoomUpdate,
  User,
} from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { EventInput } from "./engine.ts";

/** What has happened to one message since it was sent. */
export interface Fold {
  /** The latest text, when edited. */
  text?: string;
  /** `ts` of the last edit. */
  edited?: number;
  /** The message was deleted. */
  deleted?: true;
  /** Emoji → the ids of the users who reacted with it, in order. */
  reactions?: Reactions;
}

/** Distinct emoji one message may carry (keeps a fold far below KV's 64 KiB). */
export const MAX_EMOJI_PER_MESSAGE = 50;
/** Reactions one message may carry, all emoji together. */
export const MAX_REACTIONS_PER_MESSAGE = 1000;

/** The target an input refers to (`target` or `replyTo`), if any. */
export function targetOf(input: EventInput): number | undefined {
  return input.type === "message" ? input.replyTo : input.target;
}

/**
 * Checks `input` by `user` against its target as stored: `message` is the
 * event stored at the target `seq` (`undefined`: none retained), `fold`
 * what happened to it. Throws `not_found` for a missing, expired, deleted
 * or non-message target; `forbidden` for editing or deleting someone
 * else's message, or a reaction past the per-message limits.
 *
 * A deletion marked `moderator` (the core checked the role) may delete
 * anyone's message.
 */
export function checkTarget(
  input: EventInput,
  user: User,
  message: RoomEvent | undefined,
  fold: Fold | undefined,
  ref: string,
): void {
  if (targetOf(input) === undefined) return;
  if (!message || message.type !== undefined || fold?.deleted) {
    throw refusal("not_found", input, ref);
  }
  if (
    (input.type === "edit" || input.type === "delete") &&
    !mayChange(user, message, input)
  ) {
    throw refusal("forbidden", input, ref);
  }
  if (input.type === "reaction" && input.on) {
    const reactions = fold?.reactions ?? {};
    const users = reactions[input.emoji];
    if (users?.includes(user.id)) return; // already there: changes nothing
    const kinds = Object.keys(reactions).length;
    const total = Object.values(reactions).reduce((n, u) => n + u.length, 0);
    if (
      (!users && kinds >= MAX_EMOJI_PER_MESSAGE) ||
      total >= MAX_REACTIONS_PER_MESSAGE
    ) {
      throw refusal("forbidden", input, ref);
    }
  }
}

/**
 * The error of an input its target refuses: `not_found` (missing, expired,
 * deleted, not a message) or `forbidden` (someone else's message to edit
 * or delete; a reaction past the limits).
 */
export function refusal(
  code: "not_found" | "forbidden",
  input: EventInput,
  ref: string,
): ProtocolError {
  const target = targetOf(input);
  const message = code === "not_found"
    ? `No message ${target} in this room (missing, expired or deleted)`
    : input.type === "reaction"
    ? `Message ${target} has as many reactions as it can hold`
    : `Message ${target} is someone else's: only its author may ${input.type} it`;
  return new ProtocolError(code, message, { ref });
}

/** Whether `user` may edit or delete `message`: its author, or a moderator deleting. */
function mayChange(
  user: User,
  message: ChatMessage,
  input: EventInput,
): boolean {
  return message.user.id === user.id ||
    (input.type === "delete" && input.moderator === true);
}

/** The target's fold after `update` (a new object; `fold` is not changed). */
export function applyUpdate(
  fold: Fold | undefined,
  update: RoomUpdate,
): Fold {
  switch (update.type) {
    case "edit":
      return { ...fold, text: update.text, edited: update.ts };
    case "delete":
      // Nothing of a deleted message is kept: no text, no reactions.
      return { deleted: true };
    case "reaction": {
      const reactions: Reactions = { ...fold?.reactions };
      const given = reactions[update.emoji] ?? [];
      // A set: a reaction given again keeps its place.
      if (update.on && given.includes(update.user.id)) return { ...fold };
      const users = given.filter((id) => id !== update.user.id);
      if (update.on) users.push(update.user.id);
      if (users.length > 0) reactions[update.emoji] = users;
      else delete reactions[update.emoji];
      const next: Fold = { ...fold };
      if (Object.keys(reactions).length > 0) next.reactions = reactions;
      else delete next.reactions;
      return next;
    }
  }
}

/** `message` as its fold leaves it (itself when nothing happened to it). */
export function foldMessage(
  message: ChatMessage,
  fold: Fold | undefined,
): ChatMessage {
  if (!fold) return message;
  if (fold.deleted) {
    const { reactions: _r, edited: _e, ...rest } = message;
    return { ...rest, text: "", deleted: true };
  }
  const folded: ChatMessage = { ...message };
  if (fold.text !== undefined) folded.text = fold.text;
  if (fold.edited !== undefined) folded.edited = fold.edited;
  if (fold.reactions) folded.reactions = fold.reactions;
  return folded;
}

/** Folds each message with its fold, if it has one. */
export function foldMessages(
  messages: readonly ChatMessage[],
  folds: ReadonlyMap<number, Fold>,
): ChatMessage[] {
  return messages.map((message) =>
    foldMessage(message, folds.get(message.seq))
  );
}

/** The event an input becomes once the log gives it its place. */
export function eventOf(
  room: string,
  seq: number,
  id: string,
  user: User,
  ts: number,
  input: EventInput,
): RoomEvent {
  switch (input.type) {
    case "message": {
      const message: ChatMessage = {
        room,
        seq,
        id,
        user,
        text: input.text,
        ts,
      };
      if (input.replyTo !== undefined) message.replyTo = input.replyTo;
      if (input.mentions?.length) message.mentions = input.mentions;
      return message;
    }
    case "edit":
      return {
        room,
        seq,
        id,
        user,
        ts,
        type: "edit",
        target: input.target,
        text: input.text,
      };
    case "delete":
      return { room, seq, id, user, ts, type: "delete", target: input.target };
    case "reaction":
      return {
        room,
        seq,
        id,
        user,
        ts,
        type: "reaction",
        target: input.target,
        emoji: input.emoji,
        on: input.on,
      };
  }
}
