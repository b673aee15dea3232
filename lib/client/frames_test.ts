import assert from "node:assert/strict";
import { parseServerFrame } from "./frames.ts";

Deno.test("parseServerFrame reads one event or an array of them, in order", () => {
  assert.deepEqual(parseServerFrame('{"type":"pong"}'), [{ type: "pong" }]);
  assert.deepEqual(
    parseServerFrame('[{"type":"left","room":"a"},{"type":"pong"}]').map((e) =>
      e.type
    ),
    ["left", "pong"],
  );
  assert.deepEqual(parseServerFrame("[]"), []);
});

Deno.test("parseServerFrame drops malformed frames and entries, keeping the rest", () => {
  const bad: string[] = [];
  assert.deepEqual(parseServerFrame("{nope", (w) => bad.push(w)), []);
  assert.deepEqual(
    parseServerFrame('[1,{"type":"pong"},null,{"x":1},[]]', (w) => bad.push(w)),
    [{ type: "pong" }],
  );
  assert.equal(bad.length, 5);
});
