import { rejects } from "node:assert/strict";
import { KvRecords } from "../engine/kv_records.ts";
import { ProtocolError } from "../protocol/errors.ts";
import {
  ADDRESS_FAILURES,
  LoginThrottle,
  NAME_FAILURES,
  WINDOW_MS,
} from "./login_throttle.ts";

const limited = (e: unknown) =>
  e instanceof ProtocolError && e.code === "rate_limited" &&
  (e.retryAfterMs ?? 0) > 0;

async function withThrottle(
  fn: (throttle: LoginThrottle, clock: { now: number }) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: 1_800_000_000_000 };
  try {
    await fn(new LoginThrottle(new KvRecords(kv), () => clock.now), clock);
  } finally {
    kv.close();
  }
}

Deno.test("a name that failed too often is held for the window, from any address", async () => {
  await withThrottle(async (throttle, clock) => {
    for (let i = 0; i < NAME_FAILURES; i++) {
      await throttle.check("Dave", `10.0.0.${i}`);
      await throttle.failed("Dave", `10.0.0.${i}`);
    }
    await rejects(throttle.check("dave", "10.9.9.9"), limited);
    await throttle.check("erin", "10.9.9.9"); // other names are not held
    clock.now += WINDOW_MS;
    await throttle.check("dave", "10.9.9.9");
  });
});

Deno.test("an address that failed too often is held, whatever the name", async () => {
  await withThrottle(async (throttle) => {
    for (let i = 0; i < ADDRESS_FAILURES; i++) {
      await throttle.failed(`user${i}`, "10.0.0.1");
    }
    await rejects(throttle.check("someone-new", "10.0.0.1"), limited);
    await throttle.check("someone-new", "10.0.0.2");
  });
});

Deno.test("a few failures hold nothing", async () => {
  await withThrottle(async (throttle) => {
    for (let i = 0; i < NAME_FAILURES - 1; i++) {
      await throttle.failed("dave", "10.0.0.1");
    }
    await throttle.check("dave", "10.0.0.1");
  });
});
