/**
 * A message's first line as a one-line quote, for reply previews and the
 * "replying to" bar: the first line with words in it, without the Markdown
 * marks that would read as noise out of context (quote `>`, code fences,
 * emphasis and code marks around words).
 *
 * @module
 */

/** Longest excerpt, in code points, before it is cut with "…". */
export const EXCERPT_MAX = 90;

/**
 * The first meaningful line of `text`, at most {@linkcode EXCERPT_MAX} code
 * points ("…" when cut); "" when there is none.
 */
export function excerpt(text: string): string {
  for (const raw of text.split("\n")) {
    // Fences open a code block: the code inside is a better quote than "```".
    if (/^\s*(```|~~~)/.test(raw)) continue;
    const line = raw.replace(/^\s*(>\s*)*/, "")
      // Marks only at word edges: snake_case_names keep their underscores.
      .replace(/(^|\W)(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\2(?!\w)/g, "$1$3")
      .trim();
    if (line === "") continue;
    const chars = Array.from(line);
    return chars.length > EXCERPT_MAX
      ? chars.slice(0, EXCERPT_MAX - 1).join("").trimEnd() + "…"
      : line;
  }
  return "";
}
