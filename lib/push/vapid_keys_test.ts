import { deepEqual, equal } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { loadVapidKeys, VAPID_RECORD } from "./vapid_keys.ts";
import { generateVapidKeys } from "./web_push_package.ts";

Deno.test("keys are generated once, kept in records and returned again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const records = new KvRecords(kv);
    const first = await loadVapidKeys(records, undefined);
    deepEqual(await loadVapidKeys(records, undefined), first);
    deepEqual((await records.get(VAPID_RECORD))?.value, first);
  } finally {
    kv.close();
  }
});

Deno.test("nodes booting at once on one database agree on one key pair", async () => {
  const dir = await Deno.makeTempDir();
  const handles = await Promise.all(
    Array.from({ length: 4 }, () => Deno.openKv(`${dir}/kv.sqlite`)),
  );
  try {
    const keys = await Promise.all(
      handles.flatMap((kv) => [
        loadVapidKeys(new KvRecords(kv), undefined),
        loadVapidKeys(new KvRecords(kv), undefined),
      ]),
    );
    for (const pair of keys) deepEqual(pair, keys[0]);
  } finally {
    for (const kv of handles) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys from the environment win and nothing is stored", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const records = new KvRecords(kv);
    const given = generateVapidKeys();
    deepEqual(await loadVapidKeys(records, given), given);
    equal(await records.get(VAPID_RECORD), null);
  } finally {
    kv.close();
  }
});
