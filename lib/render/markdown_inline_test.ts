import assert from "node:assert/strict";
import { type InlineNode, parseInline } from "./markdown_inline.ts";

const text = (t: string): InlineNode => ({ type: "text", text: t });

Deno.test("parseInline: emphasis, strong and code spans", () => {
  assert.deepEqual(parseInline("a *b* **c** _d_ __e__ `f`"), [
    text("a "),
    { type: "em", children: [text("b")] },
    text(" "),
    { type: "strong", children: [text("c")] },
    text(" "),
    { type: "em", children: [text("d")] },
    text(" "),
    { type: "strong", children: [text("e")] },
    text(" "),
    { type: "code", text: "f" },
  ]);
  assert.deepEqual(parseInline("**bold *and em* too**"), [{
    type: "strong",
    children: [
      text("bold "),
      { type: "em", children: [text("and em")] },
      text(" too"),
    ],
  }]);
});

Deno.test("parseInline: code spans are literal and win over emphasis", () => {
  assert.deepEqual(parseInline("`*not em*` and ``a ` tick``"), [
    { type: "code", text: "*not em*" },
    text(" and "),
    { type: "code", text: "a ` tick" },
  ]);
  assert.deepEqual(parseInline("`` `x` ``"), [{ type: "code", text: "`x`" }]);
  assert.deepEqual(parseInline("*a `b*` c*"), [{
    type: "em",
    children: [text("a "), { type: "code", text: "b*" }, text(" c")],
  }]);
  assert.deepEqual(parseInline("unclosed `tick and ``two"), [
    text("unclosed `tick and ``two"),
  ]);
});

Deno.test("parseInline: delimiters that cannot open or close stay text", () => {
  for (
    const src of [
      "2 * 3 * 4",
      "snake_case_name and a__b__c",
      "* not em *",
      "**",
      "***triple***",
      "*unclosed",
      "a*",
      "_",
    ]
  ) {
    const nodes = parseInline(src);
    assert.ok(
      nodes.every((n) => n.type === "text"),
      `${src}: ${JSON.stringify(nodes)}`,
    );
    assert.equal(
      nodes.map((n) => n.type === "text" ? n.text : "").join(""),
      src,
    );
  }
  // An opener left open inside a match is literal.
  assert.deepEqual(parseInline("*a _b c*"), [
    { type: "em", children: [text("a _b c")] },
  ]);
});

Deno.test("parseInline: backslash escapes make markup characters literal", () => {
  assert.deepEqual(parseInline("\\*not em\\* \\`x\\` \\\\ \\o/"), [
    text("*not em* `x` \\ \\o/"),
  ]);
});

Deno.test("parseInline: http(s) URLs are links, and emphasis marks inside them are not markup", () => {
  assert.deepEqual(
    parseInline("see https://x.example/a_b_c and *https://y.example/*"),
    [
      text("see "),
      {
        type: "link",
        text: "https://x.example/a_b_c",
        href: "https://x.example/a_b_c",
      },
      text(" and "),
      {
        type: "em",
        children: [{
          type: "link",
          text: "https://y.example/",
          href: "https://y.example/",
        }],
      },
    ],
  );
  for (
    const src of [
      "javascript:alert(1)",
      "[x](javascript:alert(1))",
      '<a href="https://x.example">x</a>',
      "data:text/html,<script>alert(1)</script>",
      "`https://x.example/`",
    ]
  ) {
    const links = parseInline(src).filter((n) => n.type === "link");
    if (src.startsWith("<a")) {
      assert.deepEqual(links.map((n) => n.type === "link" && n.href), [
        "https://x.example/",
      ]);
    } else assert.deepEqual(links, [], src);
  }
});

Deno.test("parseInline: hostile input stays linear", () => {
  for (
    const src of [
      "*a ".repeat(1_500),
      "`".repeat(4_000),
      "` `` ```".repeat(500),
      "_*".repeat(2_000),
      "**a".repeat(1_300),
      "https://x.example/".repeat(220),
    ]
  ) {
    const started = performance.now();
    parseInline(src);
    const ms = performance.now() - started;
    assert.ok(ms < 100, `${src.slice(0, 12)}…: ${ms} ms`);
  }
});
