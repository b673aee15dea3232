import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Avatar, AVATAR_COLORS, avatarColor, initials } from "./avatar.tsx";

Deno.test("initials: two words, one word, symbols and other scripts", () => {
  assert.equal(initials("Ada Lovelace"), "AL");
  assert.equal(initials("alice"), "AL");
  assert.equal(initials("bob_smith"), "BS");
  assert.equal(initials("  zoë  "), "ZO");
  assert.equal(initials("<b>mallory</b>"), "BM");
  assert.equal(initials("Łukasz żółw"), "ŁŻ");
  assert.equal(initials("李雷"), "李雷");
  assert.equal(initials("😀 party"), "PA");
  assert.equal(initials("😀"), "😀");
  assert.equal(initials("x"), "X");
});

Deno.test("avatarColor is stable per id and spreads ids over the palette", () => {
  assert.equal(avatarColor("u_abc"), avatarColor("u_abc"));
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const c = avatarColor(`u_${i.toString(36)}x`);
    assert.ok(c >= 0 && c < AVATAR_COLORS);
    seen.add(c);
  }
  assert.equal(seen.size, AVATAR_COLORS);
});

Deno.test("Avatar is decorative and escapes the initials", () => {
  const html = renderToString(<Avatar user={{ id: "u_1", name: "<i> x" }} />);
  assert.match(html, /^<span class="avatar avatar--\d+" aria-hidden="true">/);
  assert.ok(!html.includes("<i>"));
});
