import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { NotifyMenu } from "./notify_menu.tsx";

Deno.test("NotifyMenu: a closed disclosure whose panel loads when opened", () => {
  const html = renderToString(
    <NotifyMenu room="general" level="all" onLevel={() => {}} />,
  );
  assert.match(html, /^<details class="notify-menu"\s*><summary/);
  assert.match(html, /<span class="notify-label">Notifications<\/span>/);
  assert.match(html, /Loading…<\/p><\/details>$/);
});
