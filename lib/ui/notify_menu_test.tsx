import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { NotifyMenu } from "./notify_menu.tsx";

Deno.test("NotifyMenu: the levels as a form, the room's checked", () => {
  const html = renderToString(
    <NotifyMenu room="general" level="all" live={false} />,
  );
  assert.match(html, /^<details class="notify-menu">/);
  assert.match(
    html,
    /<form method="post" action="\/rooms\/general\/notifications"/,
  );
  const radios = [
    ...html.matchAll(
      /<input type="radio" name="level" value="(\w+)"( checked)?/g,
    ),
  ].map((m) => [m[1], !!m[2]]);
  assert.deepEqual(radios, [["all", true], ["mentions", false], [
    "none",
    false,
  ]]);
  // Without JavaScript: a Save button, and no notifications to enable.
  assert.match(html, /<button type="submit">Save<\/button>/);
  assert.ok(!html.includes("Enable notifications"));
});

Deno.test("NotifyMenu: live, no Save button (a pick saves at once)", () => {
  const html = renderToString(
    <NotifyMenu room="general" level="mentions" live />,
  );
  assert.ok(!html.includes("Save"));
  assert.match(html, /value="mentions" checked/);
});
