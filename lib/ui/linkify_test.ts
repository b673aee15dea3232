import assert from "node:assert/strict";
import { linkify } from "./linkify.ts";

Deno.test("linkify links http(s) URLs and leaves the rest as text", () => {
  assert.deepEqual(
    linkify("see https://deno.com/x?a=1&b=2#h, then http://example.org."),
    [
      { text: "see " },
      {
        text: "https://deno.com/x?a=1&b=2#h",
        href: "https://deno.com/x?a=1&b=2#h",
      },
      { text: ", then " },
      { text: "http://example.org", href: "http://example.org/" },
      { text: "." },
    ],
  );
  assert.deepEqual(linkify("no links here"), [{ text: "no links here" }]);
  assert.deepEqual(linkify(""), []);
});

Deno.test("linkify never links other schemes, and keeps markup as text", () => {
  for (
    const text of [
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      '<a href="javascript:alert(1)">x</a>',
      "vbscript:msgbox",
      "//evil.example/x",
      "https://",
    ]
  ) {
    const parts = linkify(text);
    assert.ok(parts.every((p) => p.href === undefined), text);
    assert.equal(parts.map((p) => p.text).join(""), text);
  }
});

Deno.test("linkify stops URLs at quotes and angle brackets, and balances parentheses", () => {
  assert.deepEqual(linkify('<https://a.example/x>"'), [
    { text: "<" },
    { text: "https://a.example/x", href: "https://a.example/x" },
    { text: '>"' },
  ]);
  const wiki = linkify("(see https://en.wikipedia.org/wiki/Deno_(software))");
  assert.equal(wiki[1].href, "https://en.wikipedia.org/wiki/Deno_(software)");
  assert.equal(wiki[2].text, ")");
  const quoted = linkify('"https://x.example/a?q=<script>"');
  assert.equal(quoted[1].href, "https://x.example/a?q=");
  assert.ok(quoted.map((p) => p.text).join("").includes("<script>"));
});

Deno.test("linkify keeps the text identical when joined", () => {
  const text =
    "a https://x.example/ b https://y.example/(c) d... https://z.example/!";
  assert.equal(linkify(text).map((p) => p.text).join(""), text);
});
