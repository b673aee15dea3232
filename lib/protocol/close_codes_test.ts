import assert from "node:assert/strict";
import {
  CLOSE_TABLE,
  CloseCode,
  closeRule,
  ERROR_TABLE,
  errorRule,
} from "./close_codes.ts";
import { statusOf } from "./errors.ts";

Deno.test("close codes: names map to numbers, each number once", () => {
  assert.equal(CloseCode.policy, 1008);
  assert.equal(CloseCode.helloTimeout, 4001);
  assert.equal(CloseCode.tooManyConnections, 4029);
  const codes = Object.values(CLOSE_TABLE).map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
});

Deno.test("close rules: restart and idle now, policy never, overload later, unknown backs off", () => {
  assert.equal(closeRule(1012), "now");
  assert.equal(closeRule(1001), "now");
  assert.equal(closeRule(4001), "now");
  assert.equal(closeRule(1008), "never");
  assert.equal(closeRule(1013), "later");
  assert.equal(closeRule(4029), "later"); // too many connections: may free up
  assert.equal(closeRule(1011), "backoff");
  assert.equal(closeRule(1006), "backoff");
  assert.equal(closeRule(3999), "backoff");
});

Deno.test("error rules: unavailable retries, rate_limited later, not_joined rejoins, unauthenticated re-hellos", () => {
  assert.equal(errorRule("unavailable"), "backoff");
  assert.equal(errorRule("rate_limited"), "later");
  assert.equal(errorRule("not_joined"), "rejoin");
  assert.equal(errorRule("unauthenticated"), "rehello");
  assert.equal(errorRule("text_invalid"), "never");
  assert.equal(errorRule("forbidden"), "never");
  // A code from a newer server, or an inherited property name, is final.
  assert.equal(errorRule("slow_mode_someday"), "never");
  assert.equal(errorRule("constructor"), "never");
});

Deno.test("error statuses come from the same table", () => {
  assert.equal(statusOf("unavailable"), 503);
  assert.equal(statusOf("rate_limited"), 429);
  for (const [code, entry] of Object.entries(ERROR_TABLE)) {
    assert.equal(statusOf(code as keyof typeof ERROR_TABLE), entry.status);
  }
});
