import assert from "node:assert/strict";
import { parseProps, PropsError, serializeProps } from "./serialize.ts";

Deno.test("serializeProps escapes everything that could end or confuse a script element", () => {
  const value = {
    a: "</script><script>alert(1)</script>",
    b: "<!-- <script>",
    c: "a & b > c",
    d: "line\u2028sep\u2029para",
  };
  const json = serializeProps(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(json), json);
  assert.ok(!json.toLowerCase().includes("</script"));
  assert.ok(!json.includes("<!--"));
  assert.ok(json.includes("\\u003c/script\\u003e"));
  assert.ok(json.includes("\\u2028") && json.includes("\\u2029"));
});

Deno.test("serializeProps round-trips JSON data exactly", () => {
  const value = {
    text: '<b>hi</b> & \u2028 "quoted" \\ back',
    emoji: "👋🏽 ü",
    n: [0, -1.5, 1e21, Number.MAX_SAFE_INTEGER],
    nested: { deep: [{ ok: true, no: false, nothing: null }] },
    empty: {},
    skipped: undefined,
  };
  const back = parseProps(serializeProps(value));
  assert.deepEqual(back, JSON.parse(JSON.stringify(value)));
});

Deno.test("serializeProps refuses values that would not survive the round trip", () => {
  const bad: [unknown, RegExp][] = [
    [{ f: () => 1 }, /a function at \.f/],
    [{ d: new Date(0) }, /instance of Date at \.d/],
    [{ m: new Map() }, /instance of Map/],
    [{ a: [1, undefined] }, /undefined in an array at \.a\.1/],
    [{ n: NaN }, /number NaN/],
    [{ n: Infinity }, /number Infinity/],
    [{ b: 1n }, /a bigint/],
    [undefined, /undefined/],
  ];
  for (const [value, message] of bad) {
    assert.throws(() => serializeProps(value), (err: unknown) => {
      assert.ok(err instanceof PropsError);
      assert.match(err.message, message);
      return true;
    });
  }
});
