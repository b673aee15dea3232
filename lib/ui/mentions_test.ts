import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Markdown } from "../render/markdown.ts";
import { mentionDecorator, splitMentions } from "./mentions.ts";

Deno.test("splitMentions: the server's rule, longest name first", () => {
  const names = ["bo", "Bob Smith", "alice"];
  assert.deepEqual(splitMentions("hey @bob smith, look", names), [
    "hey ",
    { mention: "bob smith" },
    ", look",
  ]);
  assert.deepEqual(splitMentions("@bo!", names), [{ mention: "bo" }, "!"]);
  // Followed by a letter or digit: a longer word, no mention.
  assert.deepEqual(splitMentions("@alice2 @bob", names), ["@alice2 @bob"]);
  assert.deepEqual(splitMentions("@ALICE and @alice", names), [
    { mention: "ALICE" },
    " and ",
    { mention: "alice" },
  ]);
  assert.deepEqual(splitMentions("no mention", names), ["no mention"]);
  assert.deepEqual(splitMentions("mail me@alice.org", names), [
    "mail me@alice.org",
  ]);
  assert.deepEqual(splitMentions("@alice", []), ["@alice"]);
});

Deno.test("mentionDecorator: spans for mentions, mine marked, text escaped", () => {
  const decorate = mentionDecorator(["alice", "Bob Smith"], "Alice");
  const html = renderToString(
    h(Markdown, { text: "**@ALICE** <b> @bob smith `@alice`", decorate }),
  );
  assert.equal(
    html,
    '<p><strong><span class="mention mention--me">@ALICE</span></strong>' +
      ' &lt;b> <span class="mention">@bob smith</span> <code>@alice</code></p>',
  );
  assert.equal(decorate("plain"), "plain");
});
