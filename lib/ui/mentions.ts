/**
 * `@name` mentions in messages: where the mentions of a stored message are
 * in its text, and marking them when it renders. (Completing them in the
 * composer is `mention_complete.ts`.)
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
import type { TextDecorator } from "../render/markdown.ts";

/** A letter or digit: what may not touch a mention on either side. */
export const WORD_CHAR = /[\p{L}\p{N}]/u;

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
