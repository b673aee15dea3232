/**
 * The block half of the messages' Markdown subset: paragraphs, fenced code
 * blocks (three or more backticks or tildes) and block quotes (`> `). Every
 * other line is paragraph text: no headings, lists, tables, images or HTML,
 * which in a chat turn ordinary messages ("#1 priority", "- me too") into
 * layout. Lines inside a paragraph keep their newlines, as typed.
 *
 * @module
 */
import { type InlineNode, parseInline } from "./markdown_inline.ts";

/** A block of a message. */
export type BlockNode =
  | { type: "paragraph"; children: InlineNode[] }
  | { type: "code"; text: string; lang?: string }
  | { type: "quote"; children: BlockNode[] };

/** Quotes nested deeper than this are paragraph text (bounds the work). */
const MAX_QUOTE_DEPTH = 3;
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const QUOTE = /^ {0,3}>(?: |$)/;

/** The fence that closes `open`: the same character, at least as long. */
function closesFence(line: string, open: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1][0] === open[0] && m[1].length >= open.length;
}

/** A language name is a hint for styling only; anything odd is dropped. */
function langOf(info: string): string | undefined {
  return /^[\w#+.-]{1,32}$/.test(info) ? info : undefined;
}

function parseLines(lines: string[], depth: number): BlockNode[] {
  const blocks: BlockNode[] = [];
  let para: string[] = [];
  // Blank lines separate paragraphs and are not kept.
  const endParagraph = () => {
    if (para.length > 0) {
      blocks.push({
        type: "paragraph",
        children: parseInline(para.join("\n")),
      });
    }
    para = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = FENCE_OPEN.exec(line);
    if (fence && !(fence[2][0] === "~" && line.includes("`"))) {
      endParagraph();
      const [, indent, marks, info] = fence;
      const body: string[] = [];
      i++;
      // An unclosed fence runs to the end of the message, as in CommonMark.
      while (i < lines.length && !closesFence(lines[i], marks)) {
        const text = lines[i];
        let cut = 0;
        while (cut < indent.length && text[cut] === " ") cut++;
        body.push(text.slice(cut));
        i++;
      }
      i++;
      const lang = langOf(info);
      blocks.push(
        lang === undefined
          ? { type: "code", text: body.join("\n") }
          : { type: "code", text: body.join("\n"), lang },
      );
      continue;
    }
    if (depth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      endParagraph();
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        quoted.push(lines[i].replace(/^ {0,3}> ?/, ""));
        i++;
      }
      blocks.push({ type: "quote", children: parseLines(quoted, depth + 1) });
      continue;
    }
    if (line.trim() === "") endParagraph();
    else para.push(line);
    i++;
  }
  endParagraph();
  return blocks;
}

/**
 * Parses a message's text into blocks.
 *
 * @example
 * ```ts
 * import { parseBlocks } from "./markdown_blocks.ts";
 * const [code] = parseBlocks("```ts\nlet x = 1;\n```");
 * console.assert(code.type === "code" && code.text === "let x = 1;");
 * ```
 */
export function parseBlocks(text: string): BlockNode[] {
  return parseLines(text.replaceAll("\r\n", "\n").split("\n"), 0);
}
