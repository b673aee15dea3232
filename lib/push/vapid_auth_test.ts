import { equal, notEqual } from "node:assert/strict";
import { TOKEN_REUSE_MS, VapidAuth } from "./vapid_auth.ts";
import { generateVapidKeys } from "./web_push_package.ts";
import { verifyVapid } from "../../tests/helpers/push_crypto.ts";

Deno.test("a token per push service: aud is its origin, exp under 24 h, reused for 12 h", async () => {
  // The clock starts 12 h back: web-push checks `exp` against the real clock.
  let now = Date.now() - TOKEN_REUSE_MS - 1000;
  const keys = generateVapidKeys();
  const auth = new VapidAuth(keys, "mailto:ops@chat.example", () => now);
  const a = auth.header("https://push.example.com");
  const claims = await verifyVapid(
    a,
    "https://push.example.com",
    Math.floor(now / 1000),
  );
  equal(claims.key, keys.publicKey);
  equal(claims.sub, "mailto:ops@chat.example");
  const b = auth.header("https://fcm.googleapis.com");
  notEqual(b, a);
  await verifyVapid(b, "https://fcm.googleapis.com", Math.floor(now / 1000));

  now += TOKEN_REUSE_MS - 1;
  equal(auth.header("https://push.example.com"), a);
  // The reused token is still valid then, with hours to spare.
  await verifyVapid(a, "https://push.example.com", Math.floor(now / 1000));

  now += 1;
  const renewed = auth.header("https://push.example.com");
  notEqual(renewed, a);
  await verifyVapid(
    renewed,
    "https://push.example.com",
    Math.floor(now / 1000),
  );
});
