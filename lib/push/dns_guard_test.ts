import { equal, match } from "node:assert/strict";
import { DNS_VERDICT_MS, DnsGuard } from "./dns_guard.ts";

Deno.test("a name with any private address is refused; public ones pass", async () => {
  const dns: Record<string, string[]> = {
    "fcm.googleapis.com": ["142.250.74.106", "2a00:1450:4001:80b::200a"],
    "internal.attacker.example": ["10.0.0.5"],
    "mixed.attacker.example": ["8.8.8.8", "::ffff:127.0.0.1"],
    "meta.attacker.example": ["169.254.169.254"],
  };
  const guard = new DnsGuard((host) =>
    dns[host]
      ? Promise.resolve(dns[host])
      : Promise.reject(new Error("NXDOMAIN"))
  );
  equal(await guard.problem("fcm.googleapis.com"), undefined);
  match((await guard.problem("internal.attacker.example"))!, /10\.0\.0\.5/);
  match(
    (await guard.problem("mixed.attacker.example"))!,
    /::ffff:127\.0\.0\.1/,
  );
  match((await guard.problem("meta.attacker.example"))!, /169\.254/);
  // Unresolvable here: left to fetch, which fails on its own.
  equal(await guard.problem("nowhere.example"), undefined);
});

Deno.test("verdicts are reused for a minute, then asked again", async () => {
  let now = 0;
  let lookups = 0;
  let answer = ["8.8.8.8"];
  const guard = new DnsGuard(() => {
    lookups++;
    return Promise.resolve(answer);
  }, () => now);
  equal(await guard.problem("push.example.com"), undefined);
  answer = ["10.0.0.1"];
  now += DNS_VERDICT_MS - 1;
  equal(await guard.problem("push.example.com"), undefined);
  equal(lookups, 1);
  now += 1;
  match((await guard.problem("push.example.com"))!, /10\.0\.0\.1/);
  equal(lookups, 2);
});

Deno.test("a failed lookup is not remembered", async () => {
  let fail = true;
  const guard = new DnsGuard(() =>
    fail ? Promise.reject(new Error("timeout")) : Promise.resolve(["10.1.1.1"])
  );
  equal(await guard.problem("push.example.com"), undefined);
  fail = false;
  match((await guard.problem("push.example.com"))!, /10\.1\.1\.1/);
});
