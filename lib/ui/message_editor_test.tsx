import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { MessageEditor } from "./message_editor.tsx";

Deno.test("MessageEditor: a labelled box with the text, its keys and buttons", () => {
  const html = renderToString(
    <MessageEditor text="a <b>" onSave={() => {}} onCancel={() => {}} />,
  );
  assert.match(html, /<textarea[^>]*aria-label="Edit message"/);
  assert.match(html, /aria-describedby="edit-hint"/);
  assert.match(html, />Enter saves, Escape cancels\.</);
  assert.match(html, />Cancel<\/button>/);
  assert.match(html, /<button type="submit"[^>]*>Save<\/button>/);
  assert.ok(!html.includes("<b>"), "the text stays text");
  assert.ok(!html.includes('role="alert"'));
});

Deno.test("MessageEditor: a refused edit says why", () => {
  const html = renderToString(
    <MessageEditor
      text="x"
      error="Too long"
      onSave={() => {}}
      onCancel={() => {}}
    />,
  );
  assert.match(html, /aria-invalid="true"/);
  assert.match(html, /role="alert">Too long</);
});
