import assert from "node:assert/strict";
import { loadEpoch } from "./epoch.ts";

Deno.test("a database's epoch is created once and then kept", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [a, b] = await Promise.all([loadEpoch(kv), loadEpoch(kv)]);
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{8}$/);
    assert.equal(await loadEpoch(kv), a);
  } finally {
    kv.close();
  }
});

Deno.test("another database has another epoch", async () => {
  const first = await Deno.openKv(":memory:");
  const second = await Deno.openKv(":memory:");
  try {
    assert.notEqual(await loadEpoch(first), await loadEpoch(second));
  } finally {
    first.close();
    second.close();
  }
});
