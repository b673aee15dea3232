import assert from "node:assert/strict";
import { excerpt, EXCERPT_MAX } from "./excerpt.ts";

Deno.test("excerpt: the first line with words, quote marks and fences dropped", () => {
  assert.equal(excerpt("hello\nworld"), "hello");
  assert.equal(excerpt("\n\n  > > quoted  \nnext"), "quoted");
  assert.equal(excerpt("```js\nlet x = 1;\n```"), "let x = 1;");
  assert.equal(excerpt(""), "");
  assert.equal(excerpt("```\n```"), "");
});

Deno.test("excerpt: long lines are cut with an ellipsis, by code point", () => {
  const long = "😀".repeat(EXCERPT_MAX + 5);
  const cut = excerpt(long);
  assert.equal(Array.from(cut).length, EXCERPT_MAX);
  assert.ok(cut.endsWith("…"));
  assert.equal(excerpt("a".repeat(EXCERPT_MAX)), "a".repeat(EXCERPT_MAX));
});

Deno.test("excerpt: emphasis and code marks around words go", () => {
  assert.equal(excerpt("_Back after lunch._"), "Back after lunch.");
  assert.equal(
    excerpt("a **bold** and `code` and *em*"),
    "a bold and code and em",
  );
  assert.equal(excerpt("snake_case_name * 2"), "snake_case_name * 2");
});
