import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { ReplyBar } from "./reply_bar.tsx";

Deno.test("ReplyBar: who and what is answered, and a named cancel button", () => {
  const html = renderToString(
    <ReplyBar
      to={{ id: "a", user: { id: "u", name: "bob" }, text: "hi\nthere", ts: 0 }}
      onCancel={() => {}}
    />,
  );
  assert.match(html, /role="status"/);
  assert.match(
    html,
    /Replying to <strong>bob<\/strong>: <span class="reply-bar-text">hi<\/span>/,
  );
  assert.match(
    html,
    /<button type="button" class="icon-button" aria-label="Cancel reply"/,
  );
});
