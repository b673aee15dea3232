/**
 * Folds in Deno KV: one row per message that was edited, deleted or reacted
 * to (`["fold", room, seq]`), rewritten by the commit that stores each
 * update. A page of messages reads the folds of its `seq` range in one
 * `list`, however many updates the room has had; the writer reads the rows
 * of the targets of the updates it is about to commit.
 *
 * @module
 */
import type { ChatMessage, RoomEvent } from "../protocol/types.ts";
import { type Fold, foldMessages } from "../engine/fold.ts";
import { foldKey, foldsPrefix } from "./keys.ts";
import { readMessage } from "./segments.ts";
import { withBusyRetry } from "./busy_retry.ts";

/** The folds of messages `from ≤ seq ≤ to` of `room`: seq → fold. */
export async function readFolds(
  kv: Deno.Kv,
  room: string,
  from: number,
  to: number,
): Promise<Map<number, Fold>> {
  const folds = new Map<number, Fold>();
  if (to < from) return folds;
  const iter = kv.list<Fold>(
    { start: foldKey(room, from), end: foldKey(room, to + 1) },
    { batchSize: Math.min(500, to - from + 1) },
  );
  for await (const { key, value } of iter) folds.set(Number(key[2]), value);
  return folds;
}

/**
 * `messages` (of one room, in `seq` order) folded with what happened to
 * them, read after the events were: a fold is then at least as recent as
 * they are (it may be newer, which a client applying later updates again
 * does not mind: updates are idempotent).
 */
export async function foldPage(
  kv: Deno.Kv,
  room: string,
  messages: ChatMessage[],
): Promise<ChatMessage[]> {
  if (messages.length === 0) return messages;
  const folds = await withBusyRetry(() =>
    readFolds(kv, room, messages[0].seq, messages[messages.length - 1].seq)
  );
  return folds.size === 0 ? messages : foldMessages(messages, folds);
}

/** A target as the writer checks an update against it. */
export interface TargetState {
  /** The message stored at the target `seq`; `undefined`: none retained. */
  message: ChatMessage | undefined;
  /** What happened to it so far. */
  fold: Fold | undefined;
}

/**
 * Reads the message at `seq` and its fold: one segment and one fold row.
 * `recent` is the head's, as the writer's tail knows it (the commit's head
 * check proves it current).
 */
export async function readTarget(
  kv: Deno.Kv,
  room: string,
  seq: number,
  recent: RoomEvent[],
): Promise<TargetState> {
  const [message, fold] = await Promise.all([
    withBusyRetry(() => readMessage(kv, room, seq, recent)),
    withBusyRetry(() => kv.get<Fold>(foldKey(room, seq))),
  ]);
  return { message, fold: fold.value ?? undefined };
}

/** The keys of the folds of messages before `keepFrom` (to delete). */
export async function expiredFoldKeys(
  kv: Deno.Kv,
  room: string,
  keepFrom: number,
): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  const iter = kv.list(
    { prefix: foldsPrefix(room), end: foldKey(room, keepFrom) },
    { batchSize: 100 },
  );
  for await (const entry of iter) keys.push(entry.key);
  return keys;
}
