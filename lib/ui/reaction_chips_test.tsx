import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { listNames, ReactionChips } from "./reaction_chips.tsx";

const names = new Map([["u_a", "alice"], ["u_b", "<bob>"]]);

Deno.test("listNames: one, two, three", () => {
  assert.equal(listNames([]), "");
  assert.equal(listNames(["a"]), "a");
  assert.equal(listNames(["a", "b"]), "a and b");
  assert.equal(listNames(["a", "b", "c"]), "a, b and c");
});

Deno.test("ReactionChips: live chips toggle the person's own reaction", () => {
  const html = renderToString(
    <ReactionChips
      reactions={{ "👍": ["u_a", "u_b"], "🎉": ["u_x"], "😢": [] }}
      names={names}
      meId="u_a"
      onToggle={() => {}}
    />,
  );
  assert.match(html, /^<ul class="reactions" aria-label="Reactions">/);
  assert.match(
    html,
    /<button type="button" class="chip" aria-pressed="true" aria-label="👍 2: you and &lt;bob>" title="Reacted with 👍: you and &lt;bob>" ?>/,
  );
  assert.match(html, /aria-pressed="false" aria-label="🎉 1: someone"/);
  assert.match(html, /class="chip-count" aria-hidden="true">2</);
  assert.ok(!html.includes("😢"), "an emoji nobody gives has no chip");
});

Deno.test("ReactionChips: without a handler, chips are text, not buttons", () => {
  const html = renderToString(
    <ReactionChips reactions={{ "👍": ["u_b"] }} names={names} meId="u_b" />,
  );
  assert.ok(!html.includes("<button"));
  assert.match(html, /class="chip chip--mine" title="Reacted with 👍: you"/);
  assert.match(html, /class="sr-only">👍 1: you</);
  assert.equal(
    renderToString(<ReactionChips reactions={{}} names={names} />),
    "",
  );
});
