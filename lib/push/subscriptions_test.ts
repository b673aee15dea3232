import { deepEqual, equal } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import {
  endpointId,
  MAX_SUBSCRIPTIONS_PER_USER,
  PushSubscriptions,
} from "./subscriptions.ts";

const target = (n: number) => ({
  endpoint: `https://push.example.com/sub/${n}`,
  p256dh: `p${n}`,
  auth: `a${n}`,
});

async function withSubscriptions(
  fn: (subs: PushSubscriptions, records: KvRecords) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  let now = 1_000;
  try {
    const records = new KvRecords(kv);
    await fn(new PushSubscriptions(records, () => now++), records);
  } finally {
    kv.close();
  }
}

Deno.test("a subscription is stored per user under the endpoint's hash, and removed", () =>
  withSubscriptions(async (subs, records) => {
    await subs.add("u_a", target(1));
    await subs.add("u_a", target(2));
    deepEqual(
      (await subs.list("u_a")).map((s) => s.endpoint),
      [target(1).endpoint, target(2).endpoint],
    );
    deepEqual(await subs.list("u_b"), []);
    const id = await endpointId(target(1).endpoint);
    equal(id.length, 43);
    deepEqual(
      (await records.get(["push-sub", "u_a", id]))?.value,
      { ...target(1), createdAt: 1_000 },
    );
    await subs.remove("u_a", target(1).endpoint);
    deepEqual((await subs.list("u_a")).map((s) => s.endpoint), [
      target(2).endpoint,
    ]);
    equal(await records.get(["push-owner", id]), null);
    // Removing what is not there is fine.
    await subs.remove("u_a", target(1).endpoint);
  }));

Deno.test("subscribing again refreshes the keys without a second copy", () =>
  withSubscriptions(async (subs) => {
    await subs.add("u_a", target(1));
    await subs.add("u_a", { ...target(1), auth: "new" });
    const list = await subs.list("u_a");
    equal(list.length, 1);
    equal(list[0].auth, "new");
  }));

Deno.test("at most 10 per user: the oldest are dropped", () =>
  withSubscriptions(async (subs) => {
    for (let n = 0; n < MAX_SUBSCRIPTIONS_PER_USER + 3; n++) {
      await subs.add("u_a", target(n));
    }
    deepEqual(
      (await subs.list("u_a")).map((s) => s.endpoint),
      Array.from(
        { length: MAX_SUBSCRIPTIONS_PER_USER },
        (_, i) => target(i + 3).endpoint,
      ),
    );
  }));

Deno.test("a browser subscribed by another user stops reaching the first", () =>
  withSubscriptions(async (subs) => {
    await subs.add("u_a", target(1));
    await subs.add("u_b", target(1));
    deepEqual(await subs.list("u_a"), []);
    equal((await subs.list("u_b")).length, 1);
    // The first user's late unsubscribe leaves the new owner's alone.
    await subs.remove("u_a", target(1).endpoint);
    equal((await subs.list("u_b")).length, 1);
  }));
