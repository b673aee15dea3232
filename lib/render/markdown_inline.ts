/**
 * The inline half of the messages' Markdown subset: code spans, emphasis
 * (`*em*`, `_em_`, `**strong**`, `__strong__`), backslash escapes and
 * auto-links (the rules of {@linkcode linkify}: absolute `http(s)` URLs
 * only). Anything else, raw HTML included, stays text: the result is data
 * that a renderer turns into text nodes and elements, never markup.
 *
 * Hand-written rather than a library's lexer because the room page's
 * JavaScript budget cannot carry one (see `docs/ui.md`); it follows
 * CommonMark's flanking rules for the part of the syntax it supports and
 * runs in time linear in the text (times the small nesting cap).
 *
 * @module
 */
import { linkify } from "../ui/linkify.ts";

/** A piece of a line of message text. */
export type InlineNode =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "link"; text: string; href: string }
  | { type: "em" | "strong"; children: InlineNode[] };

/** Emphasis nested deeper than this stays literal (bounds the work). */
const MAX_OPEN = 16;
const ESCAPABLE = "\\`*_~>[]()#-+.!{}|";
const PUNCTUATION = /[\p{P}\p{S}]/u;
const SPACE = /\s/u;

/** An emphasis opened and not yet closed, with what follows it so far. */
interface Frame {
  /** The opening delimiter (`*`, `**`, `_`, `__`); empty for the root. */
  delim: string;
  children: InlineNode[];
}

function pushText(into: InlineNode[], text: string): void {
  if (!text) return;
  const last = into.at(-1);
  if (last?.type === "text") last.text += text;
  else into.push({ type: "text", text });
}

/** Unmatched openers are literal: the delimiter, then what followed it. */
function unwind(stack: Frame[], downTo: number): void {
  while (stack.length - 1 > downTo) {
    const frame = stack.pop()!;
    const into = stack[stack.length - 1].children;
    pushText(into, frame.delim);
    for (const node of frame.children) {
      if (node.type === "text") pushText(into, node.text);
      else into.push(node);
    }
  }
}

/** Characters outside the text count as whitespace, as in CommonMark. */
function kind(ch: string | undefined): "space" | "punct" | "other" {
  if (ch === undefined || SPACE.test(ch)) return "space";
  return PUNCTUATION.test(ch) ? "punct" : "other";
}

/** Whether a delimiter run between `before` and `after` can open or close. */
function flanking(
  ch: string,
  before: string | undefined,
  after: string | undefined,
): { open: boolean; close: boolean } {
  const prev = kind(before);
  const next = kind(after);
  const left = next !== "space" &&
    (next !== "punct" || prev !== "other");
  const right = prev !== "space" &&
    (prev !== "punct" || next !== "other");
  if (ch === "*") return { open: left, close: right };
  // `_` never opens or closes inside a word: snake_case_names stay text.
  return {
    open: left && (!right || prev === "punct"),
    close: right && (!left || next === "punct"),
  };
}

/** Index of the backtick run of exactly `length` at or after `from`, or -1. */
function closingTicks(src: string, from: number, length: number): number {
  let at = src.indexOf("`", from);
  while (at !== -1) {
    let end = at;
    while (src[end] === "`") end++;
    if (end - at === length) return at;
    at = src.indexOf("`", end);
  }
  return -1;
}

/**
 * Parses one paragraph's text (newlines included) into inline nodes.
 * Joining the nodes' text gives back the source less the markup consumed.
 *
 * @example
 * ```ts
 * import { parseInline } from "./markdown_inline.ts";
 * const [em] = parseInline("*hi*");
 * console.assert(em.type === "em");
 * ```
 */
export function parseInline(src: string): InlineNode[] {
  const stack: Frame[] = [{ delim: "", children: [] }];
  let pending = "";
  const top = () => stack[stack.length - 1].children;
  const flush = () => {
    pushText(top(), pending);
    pending = "";
  };
  // Run lengths of backticks known to have no closer further on: a line of
  // unmatched backticks is then scanned once, not once per run.
  const noCloser = new Set<number>();

  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "\\" && i + 1 < src.length && ESCAPABLE.includes(src[i + 1])) {
      pending += src[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      let end = i;
      while (src[end] === "`") end++;
      const length = end - i;
      const close = noCloser.has(length) ? -1 : closingTicks(src, end, length);
      if (close === -1) {
        noCloser.add(length);
        pending += src.slice(i, end);
        i = end;
        continue;
      }
      flush();
      let code = src.slice(end, close).replaceAll("\n", " ");
      // CommonMark: one space either side is padding (lets code start with `).
      if (/^ .*[^ ].* $/s.test(code)) code = code.slice(1, -1);
      top().push({ type: "code", text: code });
      i = close + length;
      continue;
    }
    if (
      (ch === "h" || ch === "H") && /^https?:\/\//i.test(src.slice(i, i + 8))
    ) {
      // A URL is one piece (`_` and `*` in it are not emphasis), found where
      // linkify's word boundary would find it.
      const part = linkify(src.slice(i).split(/\s/, 1)[0])[0];
      if (part?.href !== undefined && /\W/.test(src[i - 1] ?? " ")) {
        flush();
        top().push({ type: "link", text: part.text, href: part.href });
        i += part.text.length;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      let end = i;
      while (src[end] === ch) end++;
      const run = src.slice(i, end);
      const can = flanking(ch, src[i - 1], src[end]);
      if (run.length <= 2 && (can.open || can.close)) {
        const opener = can.close
          ? stack.findLastIndex((f) => f.delim === run)
          : -1;
        if (opener > 0) {
          flush();
          unwind(stack, opener);
          const frame = stack.pop()!;
          if (frame.children.length > 0) {
            top().push({
              type: run.length === 2 ? "strong" : "em",
              children: frame.children,
            });
          } else pushText(top(), frame.delim + run);
          i = end;
          continue;
        }
        if (can.open && stack.length <= MAX_OPEN) {
          flush();
          stack.push({ delim: run, children: [] });
          i = end;
          continue;
        }
      }
      pending += run;
      i = end;
      continue;
    }
    pending += ch;
    i++;
  }
  flush();
  unwind(stack, 0);
  return stack[0].children;
}
