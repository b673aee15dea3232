/**
 * Message text as Markdown (the subset of {@linkcode parseBlocks} and
 * {@linkcode parseInline}), rendered to Preact elements. The same component
 * renders on the server and in the islands, so both show the same thing.
 * Text only ever becomes text nodes and validated `http(s)` URLs `href`
 * values: no raw HTML, no `dangerouslySetInnerHTML`, no other schemes.
 *
 * Built with `h`, not JSX: the server's precompiled JSX would escape text
 * placed in child arrays a second time.
 *
 * @module
 */
import { type ComponentChild, h } from "preact";
import { type BlockNode, parseBlocks } from "./markdown_blocks.ts";
import type { InlineNode } from "./markdown_inline.ts";

/** Renders a run of plain text (outside code): mentions become spans. */
export type TextDecorator = (text: string) => ComponentChild;

const plainText: TextDecorator = (text) => text;

function inline(
  nodes: readonly InlineNode[],
  text: TextDecorator,
): ComponentChild[] {
  return nodes.map((node, i): ComponentChild => {
    switch (node.type) {
      case "text":
        return text(node.text);
      case "code":
        return h("code", { key: i }, node.text);
      case "link":
        return h("a", {
          key: i,
          href: node.href,
          target: "_blank",
          rel: "noopener noreferrer nofollow ugc",
        }, node.text);
      case "em":
      case "strong":
        return h(node.type, { key: i }, inline(node.children, text));
    }
  });
}

function blocks(
  nodes: readonly BlockNode[],
  text: TextDecorator,
): ComponentChild[] {
  return nodes.map((node, i): ComponentChild => {
    switch (node.type) {
      case "paragraph":
        return h("p", { key: i }, inline(node.children, text));
      case "code":
        return h(
          "pre",
          { key: i },
          h(
            "code",
            node.lang ? { class: `language-${node.lang}` } : null,
            node.text,
          ),
        );
      case "quote":
        return h("blockquote", { key: i }, blocks(node.children, text));
    }
  });
}

/**
 * A message's text as Markdown blocks (paragraphs, code blocks, quotes).
 * `decorate` renders the plain text runs (not code), e.g. to mark mentions.
 *
 * @example
 * ```ts
 * import { renderToString } from "preact-render-to-string";
 * import { h } from "preact";
 * import { Markdown } from "./markdown.ts";
 * const html = renderToString(h(Markdown, { text: "**hi** <b>" }));
 * console.assert(html === "<p><strong>hi</strong> &lt;b></p>");
 * ```
 */
export function Markdown(
  props: { text: string; decorate?: TextDecorator },
): ComponentChild[] {
  return blocks(parsed(props.text), props.decorate ?? plainText);
}

/** Parsed texts kept; beyond this the oldest are dropped. */
const CACHE_SIZE = 1_000;
const cache = new Map<string, BlockNode[]>();

/**
 * The island renders the whole list again on every keystroke in the
 * composer; parsing each message again each time was most of that work.
 * The trees are never mutated, so one can be shared.
 */
function parsed(text: string): BlockNode[] {
  let nodes = cache.get(text);
  if (nodes === undefined) {
    nodes = parseBlocks(text);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(text, nodes);
  }
  return nodes;
}
