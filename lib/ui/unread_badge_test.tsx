import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { UnreadBadge, unreadText } from "./unread_badge.tsx";

Deno.test("unreadText: counts in words", () => {
  assert.equal(unreadText({ unread: 1, mentions: 0 }), "1 unread");
  assert.equal(unreadText({ unread: 3, mentions: 1 }), "3 unread, 1 mention");
  assert.equal(unreadText({ unread: 4, mentions: 2 }), "4 unread, 2 mentions");
});

Deno.test("UnreadBadge: a badge per count, the words for screen readers, nothing at zero", () => {
  const html = renderToString(
    <UnreadBadge counts={{ unread: 3, mentions: 1 }} />,
  );
  assert.match(html, /<span class="sr-only">\(3 unread, 1 mention\)<\/span>/);
  assert.match(html, /class="badge badge--mention" aria-hidden="true">@1</);
  assert.match(html, /class="badge" aria-hidden="true">3</);
  assert.equal(
    renderToString(<UnreadBadge counts={{ unread: 0, mentions: 0 }} />),
    "",
  );
  assert.equal(renderToString(<UnreadBadge />), "");
});
