import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { NotifyPanel } from "./notify_panel.tsx";

Deno.test("NotifyPanel: the levels as radios, the room's checked", () => {
  const html = renderToString(
    <NotifyPanel room="general" level="all" onLevel={() => {}} />,
  );
  assert.match(html, /<legend>Notify me about<\/legend>/);
  const radios = [
    ...html.matchAll(
      /<input type="radio" name="notify-level" value="(\w+)"( checked)?/g,
    ),
  ].map((m) => [m[1], !!m[2]]);
  assert.deepEqual(radios, [
    ["all", true],
    ["mentions", false],
    ["none", false],
  ]);
  // What the browser allows is not known before it is asked (in an effect).
  assert.ok(!html.includes("Enable notifications"));
});
