/**
 * The push-service stand-in refuses what a real push service refuses: a
 * stand-in that took anything would prove nothing about the server.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { PushService } from "./push_service.ts";
import {
  encryptedRequest,
  generateVapidKeys,
  vapidAuthorization,
} from "../../lib/push/web_push_package.ts";

const HOUR = 3600;

Deno.test("the stand-in accepts a correct push and refuses each kind of wrong one", async () => {
  const service = PushService.start();
  try {
    const keys = generateVapidKeys();
    const sub = await service.subscribe(keys.publicKey);
    const target = { endpoint: sub.endpoint, ...sub.keys };
    const now = Math.floor(Date.now() / 1000);
    const auth = (audience = service.origin, exp = now + HOUR, pair = keys) =>
      vapidAuthorization(audience, "mailto:ops@chat.example", pair, exp);
    const post = async (
      headers: Headers,
      body: Uint8Array<ArrayBuffer>,
    ): Promise<number> => {
      const res = await fetch(sub.endpoint, { method: "POST", headers, body });
      await res.body?.cancel();
      return res.status;
    };
    const request = (authorization = auth()) =>
      encryptedRequest(target, '{"hello":1}', {
        ttl: 60,
        urgency: "high",
        authorization,
      });

    const good = request();
    equal(await post(good.headers, good.body), 201);
    deepEqual(service.received.map((push) => push.payload), [{ hello: 1 }]);

    const noTtl = request();
    noTtl.headers.delete("ttl");
    equal(await post(noTtl.headers, noTtl.body), 400);
    const oldEncoding = request();
    oldEncoding.headers.set("content-encoding", "aesgcm");
    equal(await post(oldEncoding.headers, oldEncoding.body), 415);
    const otherAudience = request(auth("https://push.example.com"));
    equal(await post(otherAudience.headers, otherAudience.body), 401);
    const expired = request(auth(service.origin, now - 60));
    equal(await post(expired.headers, expired.body), 401);
    const otherKey = request(
      auth(service.origin, now + HOUR, generateVapidKeys()),
    );
    equal(await post(otherKey.headers, otherKey.body), 403);
    const tampered = request();
    tampered.body[tampered.body.length - 1] ^= 1;
    equal(await post(tampered.headers, tampered.body), 400);

    equal(service.received.length, 1);
    equal(service.problems.length, 6);
    match(service.problems.join("\n"), /TTL/);
    match(service.problems.join("\n"), /aud/);
    match(service.problems.join("\n"), /exp/);
    match(service.problems.join("\n"), /not the subscription's/);
    match(service.problems.join("\n"), /cannot decrypt/);

    service.answer(sub.endpoint, 410);
    equal(await post(good.headers, good.body), 410);
    equal(service.requests, 8);
  } finally {
    await service.close();
  }
});
