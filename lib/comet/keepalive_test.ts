import assert, { equal } from "node:assert/strict";
import { KeepAlive } from "./keepalive.ts";

Deno.test("keep-alive: one timer for all, only while there are members", async () => {
  const pings = new Map<string, number>();
  const member = (name: string) => ({
    ping: () => pings.set(name, (pings.get(name) ?? 0) + 1),
  });
  const keepAlive = new KeepAlive(20, (e) => {
    throw e;
  });
  equal(keepAlive.running, false);
  const a = member("a");
  const b = member("b");
  keepAlive.add(a);
  keepAlive.add(b);
  equal(keepAlive.running, true);
  await new Promise((r) => setTimeout(r, 70));
  assert((pings.get("a") ?? 0) >= 2);
  equal(pings.get("a"), pings.get("b"), "pinged together, by one tick");
  keepAlive.delete(a);
  equal(keepAlive.running, true);
  keepAlive.delete(b);
  equal(keepAlive.running, false, "the timer stops with the last member");
});

Deno.test("keep-alive: a failing member does not stop the others", () => {
  const errors: unknown[] = [];
  const keepAlive = new KeepAlive(1_000, (e) => errors.push(e));
  let pinged = 0;
  keepAlive.add({
    ping() {
      throw new Error("boom");
    },
  });
  keepAlive.add({ ping: () => pinged++ });
  keepAlive.tick();
  equal(pinged, 1);
  equal(errors.length, 1);
  keepAlive.stop();
});
