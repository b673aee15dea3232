/**
 * `@name` completion, the text side: what the composer is completing, who
 * may be offered, which of them match, and what inserting one does to the
 * text. Part of the mention picker, which the composer loads on the first
 * `@` typed.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";

/** A letter or digit (as in `mentions.ts`, not imported: this module is
 * loaded on demand and would pull that one out of the page's script). */
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** The `@…` being typed before the caret: where its `@` is and what follows. */
export interface MentionQuery {
  /** Index of the `@` in the text. */
  start: number;
  /** What follows the `@` up to the caret. */
  query: string;
}

/** Longest query the composer completes (display names have at most 32). */
const MAX_QUERY = 32;
/** Members offered at once. */
export const MAX_SUGGESTIONS = 8;

/**
 * The mention being typed when the caret is at `caret`: the nearest `@` on
 * the caret's line that starts a word (the start of the text, or after
 * anything but a letter or digit, so `me@host` is no mention), with at most
 * 32 characters after it. `null` when there is none.
 */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const from = Math.max(0, caret - MAX_QUERY - 1);
  for (let i = caret - 1; i >= from; i--) {
    const c = text[i];
    if (c === "\n") return null;
    if (c !== "@") continue;
    if (i > 0 && WORD_CHAR.test(text[i - 1])) return null;
    return { start: i, query: text.slice(i + 1, caret) };
  }
  return null;
}

/**
 * The members whose name completes `query`, best first: names starting with
 * it, then names with a later word starting with it (`@smi` → "Bob Smith"),
 * each group by name; at most {@linkcode MAX_SUGGESTIONS}. An empty query
 * offers everyone.
 */
export function matchMembers(
  members: readonly User[],
  query: string,
): User[] {
  const q = query.toLowerCase();
  const first: User[] = [];
  const later: User[] = [];
  for (const m of members) {
    const name = m.name.toLowerCase();
    if (name.startsWith(q)) first.push(m);
    else if (name.split(/\s+/).some((w) => w.startsWith(q))) later.push(m);
  }
  const byName = (a: User, b: User) => a.name.localeCompare(b.name);
  return [...first.sort(byName), ...later.sort(byName)].slice(
    0,
    MAX_SUGGESTIONS,
  );
}

/**
 * The people the composer offers: those online and the authors of the
 * loaded messages (the latest name of each), without the person
 * themselves.
 */
export function mentionCandidates(
  online: readonly User[],
  authors: readonly { user: User }[],
  meId: string | undefined,
): User[] {
  const byId = new Map<string, User>();
  for (const { user } of authors) byId.set(user.id, user);
  for (const user of online) byId.set(user.id, user);
  byId.delete(meId ?? "");
  return [...byId.values()];
}

/**
 * `text` with the `@query` at `at` replaced by `@name ` (the space ends the
 * mention and lets the person type on), and where the caret goes.
 */
export function insertMention(
  text: string,
  at: MentionQuery,
  name: string,
): { text: string; caret: number } {
  const before = text.slice(0, at.start) + `@${name} `;
  let after = text.slice(at.start + 1 + at.query.length);
  if (after.startsWith(" ")) after = after.slice(1);
  return { text: before + after, caret: before.length };
}
