import assert from "node:assert/strict";
import { parseBlocks } from "./markdown_blocks.ts";

const para = (text: string) => ({
  type: "paragraph",
  children: [{ type: "text", text }],
});

Deno.test("parseBlocks: paragraphs keep their newlines and split on blank lines", () => {
  assert.deepEqual(parseBlocks("one\ntwo\n\n\nthree"), [
    para("one\ntwo"),
    para("three"),
  ]);
  assert.deepEqual(parseBlocks("a\r\nb"), [para("a\nb")]);
});

Deno.test("parseBlocks: fenced code blocks are verbatim, with an optional language", () => {
  assert.deepEqual(
    parseBlocks("before\n```ts\nconst a = *b*;\n\n  <img>\n```\nafter"),
    [
      para("before"),
      { type: "code", text: "const a = *b*;\n\n  <img>", lang: "ts" },
      para("after"),
    ],
  );
  assert.deepEqual(parseBlocks("~~~\nx\n~~~~"), [{ type: "code", text: "x" }]);
  // A longer fence is closed only by one at least as long.
  assert.deepEqual(parseBlocks("````\n```\n````"), [
    { type: "code", text: "```" },
  ]);
  // Unclosed: runs to the end of the message.
  assert.deepEqual(parseBlocks("```\nopen"), [{ type: "code", text: "open" }]);
  // An odd info string is no language.
  assert.deepEqual(parseBlocks('```"><script>\nx\n```'), [
    { type: "code", text: "x" },
  ]);
  // Indented fences lose that indentation from their lines.
  assert.deepEqual(parseBlocks("  ```\n  a\n b\n  ```"), [
    { type: "code", text: "a\nb" },
  ]);
});

Deno.test("parseBlocks: one-line triple backticks are a code span, not a block", () => {
  assert.deepEqual(parseBlocks("```inline```"), [{
    type: "paragraph",
    children: [{ type: "code", text: "inline" }],
  }]);
});

Deno.test("parseBlocks: block quotes, nested up to three levels", () => {
  assert.deepEqual(parseBlocks("> quoted\n> more\nreply"), [
    { type: "quote", children: [para("quoted\nmore")] },
    para("reply"),
  ]);
  assert.deepEqual(parseBlocks("> > inner"), [{
    type: "quote",
    children: [{ type: "quote", children: [para("inner")] }],
  }]);
  assert.deepEqual(parseBlocks("> > > > deep"), [{
    type: "quote",
    children: [{
      type: "quote",
      children: [{ type: "quote", children: [para("> deep")] }],
    }],
  }]);
  // Emoticons are not quotes: the marker needs a space after it.
  assert.deepEqual(parseBlocks(">_< and >.<"), [para(">_< and >.<")]);
});

Deno.test("parseBlocks: headings, lists, rules and HTML stay text", () => {
  const src = "# not a heading\n- not a list\n1. nor this\n---\n<div>x</div>";
  assert.deepEqual(parseBlocks(src), [para(src)]);
});
