import { equal, match, notEqual } from "node:assert/strict";
import {
  encryptedRequest,
  generateVapidKeys,
  vapidAuthorization,
} from "./web_push_package.ts";
import { decodeBase64Url } from "../auth/base64url.ts";
import {
  browserKeys,
  decryptPush,
  verifyVapid,
} from "../../tests/helpers/push_crypto.ts";

Deno.test("generated VAPID keys are a P-256 point and a 32-byte scalar, new each time", () => {
  const keys = generateVapidKeys();
  const point = decodeBase64Url(keys.publicKey)!;
  equal(point.length, 65);
  equal(point[0], 4);
  equal(decodeBase64Url(keys.privateKey)!.length, 32);
  notEqual(generateVapidKeys().publicKey, keys.publicKey);
});

Deno.test("the VAPID header verifies with WebCrypto: signature by k, aud, exp, sub", async () => {
  const keys = generateVapidKeys();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const header = vapidAuthorization(
    "https://push.example.com",
    "mailto:ops@chat.example",
    keys,
    exp,
  );
  const claims = await verifyVapid(header, "https://push.example.com");
  equal(claims.exp, exp);
  equal(claims.sub, "mailto:ops@chat.example");
  equal(claims.key, keys.publicKey);
  // Signed by another key pair's k: refused.
  const other = generateVapidKeys();
  const forged = header.replace(keys.publicKey, other.publicKey);
  let error = "";
  await verifyVapid(forged, "https://push.example.com").catch((e) =>
    error = e.message
  );
  equal(error, "bad signature");
});

Deno.test("an encrypted request decrypts with the browser's keys (RFC 8291, independent WebCrypto code)", async () => {
  const browser = await browserKeys();
  const text = JSON.stringify({ room: "general", text: "héllo 👋" });
  const request = encryptedRequest(
    { endpoint: "https://push.example.com/x", ...browser.json },
    text,
    { ttl: 600, urgency: "high", authorization: "vapid t=a.b.c, k=d" },
  );
  equal(request.headers.get("ttl"), "600");
  equal(request.headers.get("urgency"), "high");
  equal(request.headers.get("content-encoding"), "aes128gcm");
  equal(request.headers.get("authorization"), "vapid t=a.b.c, k=d");
  equal(request.headers.has("content-length"), false);
  equal(await decryptPush(request.body, browser), text);
  // A fresh sender key and salt every time.
  const again = encryptedRequest(
    { endpoint: "https://push.example.com/x", ...browser.json },
    text,
    { ttl: 600, urgency: "high", authorization: "x" },
  );
  notEqual(
    JSON.stringify([...again.body.slice(0, 16)]),
    JSON.stringify([...request.body.slice(0, 16)]),
  );
  // Another browser's keys cannot read it.
  const stranger = await browserKeys();
  let failed = "";
  await decryptPush(request.body, stranger).catch((e) => failed = String(e));
  match(failed, /Error/);
});
