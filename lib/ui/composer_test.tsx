import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Composer, composerHint } from "./composer.tsx";

Deno.test("composer hint: Enter and Shift+Enter only where Enter sends", () => {
  assert.equal(
    composerHint({ text: "", live: true }),
    "Enter sends, Shift+Enter adds a line.",
  );
  // Phones: Enter adds a line, the Send button sends; nothing to explain.
  assert.equal(composerHint({ text: "", live: true, enterSends: false }), "");
  assert.equal(composerHint({ text: "", live: false }), "");
  assert.match(
    composerHint({ text: "x".repeat(5000), live: true }),
    /characters too long/,
  );
});

Deno.test("composer: renders its error once, as an alert", () => {
  const html = renderToString(
    <Composer
      room="general"
      formId="f1"
      needsName={false}
      name=""
      text="draft"
      error="Room name is invalid"
    />,
  );
  assert.equal(html.split("Room name is invalid").length, 2);
  assert.match(html, /role="alert"/);
});
