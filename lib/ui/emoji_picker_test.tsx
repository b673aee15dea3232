import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { COMMON_EMOJI, EmojiPicker } from "./emoji_picker.tsx";

Deno.test("EmojiPicker: common emoji plus those on the message, mine pressed", () => {
  const html = renderToString(
    <EmojiPicker
      present={["👍", "🦀"]}
      mine={["👍"]}
      onPick={() => {}}
      onClose={() => {}}
    />,
  );
  assert.match(
    html,
    /^<div class="picker" role="group" aria-label="Add a reaction"/,
  );
  const labels = [...html.matchAll(/aria-label="React with ([^"]+)"/g)].map((
    m,
  ) => m[1]);
  assert.deepEqual(labels, [...COMMON_EMOJI, "🦀"]);
  assert.match(html, /aria-pressed="true" aria-label="React with 👍"/);
  assert.match(html, /aria-pressed="false" aria-label="React with 🦀"/);
  assert.match(html, />Close<\/button>/);
});
