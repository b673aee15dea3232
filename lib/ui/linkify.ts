/**
 * Safe auto-linking: splits message text into plain text and `http(s)` links.
 * Only absolute `http:`/`https:` URLs become links (never `javascript:`,
 * `data:` or relative ones); the text is rendered as text by Preact, so
 * markup in a message is never interpreted.
 *
 * @module
 */

/** A run of plain text, or a link with its visible text. */
export type TextPart = { text: string; href?: undefined } | {
  text: string;
  href: string;
};

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"\u2019\u201d*_~]+$/;

/** Drops trailing punctuation, and closing brackets that have no opener in the URL. */
function trimUrl(candidate: string): string {
  let url = candidate.replace(TRAILING, "");
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (;;) {
    const last = url.at(-1);
    if (!last || !(last in pairs)) break;
    const opens = url.split(pairs[last]).length - 1;
    const closes = url.split(last).length - 1;
    if (closes <= opens) break;
    url = url.slice(0, -1).replace(TRAILING, "");
  }
  return url;
}

/**
 * Splits `text` into parts; adjacent text is merged, and a candidate that
 * does not parse as an http(s) URL stays text.
 *
 * @example
 * ```ts
 * import { linkify } from "./linkify.ts";
 * const parts = linkify("see https://deno.com.");
 * console.assert(parts[1].href === "https://deno.com/" && parts[2].text === ".");
 * ```
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const last = parts.at(-1);
    if (last && last.href === undefined) last.text += t;
    else parts.push({ text: t });
  };
  let at = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index!;
    const raw = trimUrl(match[0]);
    let href: string | null = null;
    try {
      const url = new URL(raw);
      if (
        (url.protocol === "http:" || url.protocol === "https:") && url.hostname
      ) href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    pushText(text.slice(at, start));
    parts.push({ text: raw, href });
    at = start + raw.length;
  }
  pushText(text.slice(at));
  return parts;
}
