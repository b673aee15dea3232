import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { PersonMenu, PersonName } from "./person.tsx";

const guest = { id: "u_g", name: "dave" };
const claimed = { id: "u_c", name: "dave", claimed: true as const };

Deno.test("PersonName: a guest has a badge, a claimed name a check mark; the name's text stays the name", () => {
  const g = renderToString(<PersonName user={guest} nameClass="msg-author" />);
  assert.match(g, /<span class="msg-author">dave<\/span>/);
  assert.match(g, /class="guest-badge">guest</);
  assert.ok(!g.includes("claimed-mark"));
  const c = renderToString(<PersonName user={claimed} />);
  assert.match(c, /class="claimed-mark"/);
  assert.ok(!c.includes("guest-badge"));
});

Deno.test("PersonMenu: Message posts the person's id to the people page; none for oneself", () => {
  const html = renderToString(
    <PersonMenu user={guest} room="hall" canMessage canModerate />,
  );
  assert.match(html, /<details class="person-menu">/);
  assert.match(html, /action="\/rooms\/hall\/people"/);
  assert.match(html, /name="action" value="dm"/);
  assert.match(html, /name="user" value="u_g"/);
  assert.match(html, />Message dave</);
  assert.match(html, /href="\/rooms\/hall\/people#p-u_g"/);
  const mine = renderToString(
    <PersonMenu user={guest} room="hall" canMessage me />,
  );
  assert.ok(!mine.includes("<details"));
  const nothing = renderToString(<PersonMenu user={guest} room="hall" />);
  assert.ok(!nothing.includes("<details"));
});
