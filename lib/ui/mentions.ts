/**
 * `@name` mentions in messages: marking those of a stored message in its
 * text as it renders. (Completing them in the composer is
 * `mention_complete.ts`.)
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

/** `text` as a regular expression that matches exactly it. */
function literal(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/**
 * A `Markdown` text decorator that marks the mentions of `names` (by the
 * server's rule; the longest name wins where one is the start of another)
 * as `<span class="mention">@name</span>`, `mention--me` for `me` (the
 * person's own name). Built with `h`: the server's precompiled JSX would
 * escape the plain runs of the array a second time.
 */
export function mentionDecorator(
  names: readonly string[],
  me: string | undefined,
): TextDecorator {
  const mine = me?.toLowerCase();
  const longestFirst = [...names].sort((a, b) => b.length - a.length);
  // Split with two groups: [text, before, name, text, before, name, …, text].
  const mention = new RegExp(
    `(^|[^\\p{L}\\p{N}])@(${
      longestFirst.map(literal).join("|")
    })(?![\\p{L}\\p{N}])`,
    "iu",
  );
  return (text) => {
    const parts = text.split(mention);
    return parts.length === 1
      ? text
      : parts.map((part, i): ComponentChild =>
        i % 3 === 2
          ? h("span", {
            key: i,
            class: part.toLowerCase() === mine
              ? "mention mention--me"
              : "mention",
          }, `@${part}`)
          : part
      );
  };
}
