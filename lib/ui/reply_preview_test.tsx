import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { ReplyPreview } from "./reply_preview.tsx";

const original = {
  id: "a",
  seq: 3,
  user: { id: "u_a", name: "<alice>" },
  text: "> quoted\nFirst line **bold**\nsecond",
  ts: 0,
};

Deno.test("ReplyPreview: the original's author and first line, linked", () => {
  const html = renderToString(
    <ReplyPreview replyTo={3} original={original} href="#m-3" />,
  );
  assert.match(html, /^<a class="msg-reply" href="#m-3" data-reply-to="3"/);
  assert.match(html, /<span class="sr-only">Reply to<\/span>/);
  assert.match(html, /class="msg-reply-author">&lt;alice><\/span>/);
  assert.match(html, /class="msg-reply-text">quoted<\/span>/);
});

Deno.test("ReplyPreview: an original not loaded, or deleted", () => {
  const far = renderToString(
    <ReplyPreview replyTo={3} href="/rooms/r?before=4#m-3" />,
  );
  assert.match(far, /href="\/rooms\/r\?before=4#m-3"/);
  assert.match(far, /class="msg-reply-text">an earlier message</);
  const gone = renderToString(
    <ReplyPreview
      replyTo={3}
      original={{ ...original, text: "", deleted: true }}
      href="#m-3"
    />,
  );
  assert.match(gone, /class="msg-reply-text">a deleted message</);
  assert.ok(!gone.includes("alice"));
});
