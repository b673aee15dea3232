import assert from "node:assert/strict";
import { defineIsland } from "./island.tsx";
import { ISLAND_ATTR, ISLAND_ID_ATTR, PROPS_ATTR } from "./markers.ts";
import { renderBody } from "./render_page.tsx";
import { parseProps } from "./serialize.ts";

function Counter(props: { start: number; label: string }) {
  return <button type="button">{props.label}: {props.start}</button>;
}
const CounterIsland = defineIsland("Counter", Counter);

function Outer(props: { inner: number }) {
  return (
    <section>
      <CounterIsland start={props.inner} label="inner" />
    </section>
  );
}
const OuterIsland = defineIsland("Outer", Outer);

Deno.test("an island renders a props script and a marked wrapper around its markup", () => {
  const body = renderBody(
    <main>
      <p>static</p>
      <CounterIsland start={1} label="a" />
    </main>,
  );
  assert.equal(
    body.html,
    `<main><p>static</p><script type="application/json" ${PROPS_ATTR}="0">{"start":1,"label":"a"}</script>` +
      `<div ${ISLAND_ATTR}="Counter" ${ISLAND_ID_ATTR}="0"><button type="button">a: 1</button></div></main>`,
  );
  assert.deepEqual(body.islands, [{ name: "Counter", id: 0 }]);
});

Deno.test("islands are numbered in render order; nested islands render plainly", () => {
  const body = renderBody(
    <div>
      <CounterIsland start={1} label="a" />
      <OuterIsland inner={2} />
      <CounterIsland start={3} label="c" />
    </div>,
  );
  assert.deepEqual(body.islands, [
    { name: "Counter", id: 0 },
    { name: "Outer", id: 1 },
    { name: "Counter", id: 2 },
  ]);
  // The nested Counter inside Outer has no marker of its own.
  assert.equal(body.html.match(new RegExp(`${ISLAND_ATTR}=`, "g"))?.length, 3);
  assert.ok(
    body.html.includes(
      '<section><button type="button">inner: 2</button></section>',
    ),
  );
});

Deno.test("props with markup are escaped in the page and come back intact", () => {
  const label = `</script><script>alert("x")</script><!-- \u2028`;
  const body = renderBody(<CounterIsland start={0} label={label} />);
  const script = body.html.match(
    /<script type="application\/json" [^>]*>([\s\S]*?)<\/script>/,
  );
  assert.ok(script);
  assert.ok(!script[1].includes("<"));
  assert.deepEqual(parseProps(script[1]), { start: 0, label });
  // Only one script element: the payload could not open another.
  assert.equal(body.html.match(/<script/g)?.length, 1);
  // The visible text is escaped by Preact.
  assert.ok(body.html.includes("&lt;/script>&lt;script>alert("));
});

Deno.test("defineIsland rejects names that are not file base names", () => {
  assert.throws(() => defineIsland("room-chat", Counter), TypeError);
  assert.throws(() => defineIsland('x"y', Counter), TypeError);
});

Deno.test("an island outside renderBody renders plainly (as in the browser)", async () => {
  const { renderToString } = await import("preact-render-to-string");
  assert.equal(
    renderToString(<CounterIsland start={5} label="b" />),
    '<button type="button">b: 5</button>',
  );
});
