import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Markdown } from "./markdown.ts";

const html = (text: string) => renderToString(h(Markdown, { text }));
const REL = 'target="_blank" rel="noopener noreferrer nofollow ugc"';

Deno.test("Markdown renders the subset to elements", () => {
  assert.equal(
    html("*em* **strong** `a<b` https://x.example/?q=1&r=2"),
    "<p><em>em</em> <strong>strong</strong> <code>a&lt;b</code> " +
      `<a href="https://x.example/?q=1&amp;r=2" ${REL}>https://x.example/?q=1&amp;r=2</a></p>`,
  );
  assert.equal(
    html("> quote\n\n```js\nif (a < b) {}\n```"),
    "<blockquote><p>quote</p></blockquote>" +
      '<pre><code class="language-js">if (a &lt; b) {}</code></pre>',
  );
});

Deno.test("Markdown never renders raw HTML or non-http links", () => {
  const out = html(
    `<img src=x onerror=alert(1)> <script>alert("x")</script> & [x](javascript:alert(1)) javascript:alert(2)`,
  );
  assert.equal(
    out,
    "<p>&lt;img src=x onerror=alert(1)> &lt;script>alert(&quot;x&quot;)&lt;/script> &amp; " +
      "[x](javascript:alert(1)) javascript:alert(2)</p>",
  );
  assert.ok(!out.includes("<a"));
  assert.ok(!html("```\n<img src=x onerror=alert(1)>\n```").includes("<img"));
});

Deno.test("Markdown renders an empty text as nothing", () => {
  assert.equal(html(""), "");
});

Deno.test("Markdown renders a text the same however often (parses are cached)", () => {
  const text = "*again* `and` again";
  const first = html(text);
  for (let i = 0; i < 1_500; i++) html(`filler ${i}`); // past the cache's size
  assert.equal(html(text), first);
  assert.equal(html(text), "<p><em>again</em> <code>and</code> again</p>");
});
