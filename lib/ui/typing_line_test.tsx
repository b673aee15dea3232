import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { TypingLine, typingParts } from "./typing_line.tsx";

const u = (name: string, claimed = false) => ({
  id: `u_${name}`,
  name,
  ...(claimed ? { claimed: true as const } : {}),
});

Deno.test("typingParts: one, two, and more people", () => {
  const text = (n: number) =>
    typingParts([u("a"), u("b"), u("c"), u("d")].slice(0, n), (x) => x.name)
      .join("");
  assert.equal(text(0), "");
  assert.equal(text(1), "a is typing…");
  assert.equal(text(2), "a and b are typing…");
  assert.equal(text(4), "a, b and 2 more are typing…");
});

Deno.test("TypingLine: guests' names are marked, claimed ones are not", () => {
  const html = renderToString(
    <TypingLine users={[u("gus"), u("cleo", true)]} />,
  );
  assert.match(html, /<span class="typing-name" data-guest="">gus<\/span>/);
  assert.match(html, /<span class="typing-name"\s*>cleo<\/span> are typing…/);
});
