import { deepEqual, throws } from "node:assert/strict";
import { parseSubscription } from "./subscription_input.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { browserKeys } from "../../tests/helpers/push_crypto.ts";

const none = new Set<string>();
const ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc";

const badRequest = (pattern: RegExp) => (error: unknown) =>
  error instanceof ProtocolError && error.code === "bad_request" &&
  pattern.test(error.message);

Deno.test("a browser's subscription JSON is accepted, padding or not", async () => {
  const { json } = await browserKeys();
  const expected = { endpoint: ENDPOINT, ...json };
  deepEqual(
    parseSubscription(
      { endpoint: ENDPOINT, expirationTime: null, keys: json },
      none,
    ),
    expected,
  );
  deepEqual(
    parseSubscription({
      endpoint: ENDPOINT,
      keys: { p256dh: `${json.p256dh}=`, auth: `${json.auth}==` },
    }, none),
    expected,
  );
});

Deno.test("bad endpoints and keys are bad_request, with the reason", async () => {
  const { json } = await browserKeys();
  const offCurve = new Uint8Array(65);
  offCurve[0] = 4;
  const cases: Array<[unknown, RegExp]> = [
    [null, /endpoint and keys/],
    [{ keys: json }, /endpoint and keys/],
    [{ endpoint: "http://push.example.com/x", keys: json }, /not https/],
    [{ endpoint: "https://10.0.0.1/x", keys: json }, /public address/],
    [{ endpoint: ENDPOINT }, /keys must be an object/],
    [{ endpoint: ENDPOINT, keys: { auth: json.auth } }, /p256dh/],
    [{ endpoint: ENDPOINT, keys: { ...json, p256dh: "a+b/" } }, /base64url/],
    [
      { endpoint: ENDPOINT, keys: { ...json, p256dh: json.auth } },
      /65 bytes/,
    ],
    [
      {
        endpoint: ENDPOINT,
        keys: { ...json, p256dh: btoa(String.fromCharCode(...offCurve)) },
      },
      /P-256/,
    ],
    [{ endpoint: ENDPOINT, keys: { ...json, auth: json.p256dh } }, /16 bytes/],
  ];
  for (const [input, reason] of cases) {
    throws(() => parseSubscription(input, none), badRequest(reason));
  }
});

Deno.test("a listed test origin's plain http endpoint is accepted", async () => {
  const { json } = await browserKeys();
  const endpoint = "http://127.0.0.1:9000/push/1";
  deepEqual(
    parseSubscription(
      { endpoint, keys: json },
      new Set(["http://127.0.0.1:9000"]),
    ),
    { endpoint, ...json },
  );
});
