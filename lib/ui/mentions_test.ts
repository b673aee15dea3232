import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Markdown } from "../render/markdown.ts";
import { mentionDecorator } from "./mentions.ts";

/** `text` rendered with the mentions of `names` marked, `me` being mine. */
function marked(text: string, names: string[], me?: string): string {
  const decorate = mentionDecorator(names, me);
  return renderToString(h(Markdown, { text, decorate }))
    .replace(/^<p>|<\/p>$/g, "")
    .replaceAll('<span class="mention">', "[")
    .replaceAll('<span class="mention mention--me">', "{")
    .replaceAll("</span>", "]");
}

Deno.test("mentionDecorator: the server's rule, longest name first", () => {
  const names = ["bo", "Bob Smith", "alice"];
  assert.equal(marked("hey @bob smith, look", names), "hey [@bob smith], look");
  assert.equal(marked("@bo!", names), "[@bo]!");
  // Followed by a letter or digit: a longer word, no mention.
  assert.equal(marked("@alice2 @bob", names), "@alice2 @bob");
  // After a letter or digit: an address, no mention.
  assert.equal(marked("mail me@alice.org", names), "mail me@alice.org");
  assert.equal(marked("@a@alice", ["a", "alice"]), "[@a]@alice");
  assert.equal(
    marked("@ALICE and @alice", names),
    "[@ALICE] and [@alice]",
  );
  assert.equal(marked("no mention", names), "no mention");
});

Deno.test("mentionDecorator: mine marked, names taken literally, text escaped", () => {
  assert.equal(
    marked("**@ALICE** <b> @bob `@alice`", ["alice", "bob"], "Alice"),
    "<strong>{@ALICE]</strong> &lt;b> [@bob] <code>@alice</code>",
  );
  // Regular expression syntax in a name is text.
  assert.equal(marked("@a.b @axb", ["a.b"]), "[@a.b] @axb");
  assert.equal(marked("@(x)|y", ["(x)|y"]), "[@(x)|y]");
  assert.equal(mentionDecorator(["alice"], undefined)("plain"), "plain");
});
