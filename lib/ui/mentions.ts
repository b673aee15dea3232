/**
 * `@name` mentions, the text side: what the composer is completing, which
 * members match, what inserting one does to the text, and where the
 * mentions of a stored message are in its text.
 *
 * The server's rule (`lib/mentions/find_mentions.ts`), which these follow:
 * a mention is `@` (at the start or after a character that is not a letter
 * or digit) followed by a member's exact display name (compared
 * case-insensitively) followed by a character that is not a letter or
 * digit, or the end. Names may contain
 * spaces, so "@bob smith" mentions "Bob Smith", not only "Bob".
 *
 * @module
 */
import { type ComponentChild, h } from "preact";
import type { User } from "../protocol/types.ts";
import type { TextDecorator } from "../render/markdown.ts";

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

const WORD_CHAR = /[\p{L}\p{N}]/u;

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

/** A run of message text: plain, or a mention of `name`. */
export type MentionPart = string | { mention: string };

/**
 * `text` cut into plain runs and the mentions of `names` in it (by the
 * server's rule; the longest name wins where one is the start of another).
 * Text without any mention comes back as one run.
 */
export function splitMentions(
  text: string,
  names: readonly string[],
): MentionPart[] {
  if (names.length === 0 || !text.includes("@")) return [text];
  const longestFirst = [...names].sort((a, b) => b.length - a.length)
    .map((n) => n.toLowerCase());
  const parts: MentionPart[] = [];
  let plain = 0;
  for (let i = text.indexOf("@"); i !== -1; i = text.indexOf("@", i + 1)) {
    if (i > 0 && WORD_CHAR.test(text[i - 1])) continue;
    const rest = text.slice(i + 1);
    const lower = rest.toLowerCase();
    const name = longestFirst.find((n) =>
      lower.startsWith(n) && !WORD_CHAR.test(rest[n.length] ?? "")
    );
    if (name === undefined) continue;
    if (i > plain) parts.push(text.slice(plain, i));
    const end = i + 1 + name.length;
    parts.push({ mention: text.slice(i + 1, end) });
    plain = end;
    i = end - 1;
  }
  if (plain < text.length) parts.push(text.slice(plain));
  return parts;
}

/**
 * A `Markdown` text decorator that marks the mentions of `names`
 * as `<span class="mention">@name</span>` (`mention--me` for `me`, the
 * person's own name). Built with `h`: the server's precompiled JSX would
 * escape the plain runs of the array a second time.
 */
export function mentionDecorator(
  names: readonly string[],
  me: string | undefined,
): TextDecorator {
  const mine = me?.toLowerCase();
  return (text) => {
    const parts = splitMentions(text, names);
    if (parts.length === 1 && typeof parts[0] === "string") return parts[0];
    return parts.map((part, i): ComponentChild =>
      typeof part === "string" ? part : h("span", {
        key: i,
        class: part.mention.toLowerCase() === mine
          ? "mention mention--me"
          : "mention",
      }, `@${part.mention}`)
    );
  };
}
