import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { NotifyForm } from "./notify_form.tsx";

Deno.test("NotifyForm: posts the level to the room's page, the current one checked", () => {
  const html = renderToString(<NotifyForm room="general" level="none" />);
  assert.match(
    html,
    /^<form class="notify-form" method="post" action="\/rooms\/general\/notifications">/,
  );
  const radios = [
    ...html.matchAll(
      /<input type="radio" name="level" value="(\w+)"( checked)?/g,
    ),
  ].map((m) => [m[1], !!m[2]]);
  assert.deepEqual(radios, [
    ["all", false],
    ["mentions", false],
    ["none", true],
  ]);
  assert.match(html, /<button type="submit">Save<\/button>/);
});
