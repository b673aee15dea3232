/**
 * Reading a browser's `PushSubscription.toJSON()` from the network:
 * `{"endpoint","keys":{"p256dh","auth"},"expirationTime"?}`. Everything is
 * checked before it is stored, since every later message is encrypted to
 * these keys and posted to this endpoint.
 *
 * @module
 */
import { ProtocolError } from "../protocol/errors.ts";
import { decodeBase64Url, encodeBase64Url } from "../auth/base64url.ts";
import { endpointProblem } from "./endpoint_guard.ts";
import type { PushTarget } from "./web_push_package.ts";
import { isP256Point } from "./p256_point.ts";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Base64url bytes (padding tolerated: some browsers' polyfills add it). */
function bytesOf(value: unknown, name: string): Uint8Array<ArrayBuffer> {
  const bytes = typeof value === "string"
    ? decodeBase64Url(value.replace(/=+$/, ""))
    : null;
  if (!bytes) {
    throw new ProtocolError("bad_request", `keys.${name} must be base64url`);
  }
  return bytes;
}

/**
 * The subscription in `input`, its keys in canonical base64url; throws
 * `bad_request` unless the endpoint passes the guard, `p256dh` is an
 * uncompressed P-256 point (65 bytes) and `auth` 16 bytes.
 *
 * @param testOrigins `CHAT_PUSH_TEST_ORIGINS`
 */
export function parseSubscription(
  input: unknown,
  testOrigins: ReadonlySet<string>,
): PushTarget {
  if (!isObject(input) || typeof input.endpoint !== "string") {
    throw new ProtocolError(
      "bad_request",
      "Send a PushSubscription's JSON: endpoint and keys",
    );
  }
  const problem = endpointProblem(input.endpoint, testOrigins);
  if (problem) {
    throw new ProtocolError(
      "bad_request",
      `Push endpoint ${problem}: only https endpoints on public hosts are accepted`,
    );
  }
  if (!isObject(input.keys)) {
    throw new ProtocolError("bad_request", "keys must be an object");
  }
  const p256dh = bytesOf(input.keys.p256dh, "p256dh");
  if (!isP256Point(p256dh)) {
    throw new ProtocolError(
      "bad_request",
      "keys.p256dh must be an uncompressed P-256 public key (65 bytes)",
    );
  }
  const auth = bytesOf(input.keys.auth, "auth");
  if (auth.length !== 16) {
    throw new ProtocolError("bad_request", "keys.auth must be 16 bytes");
  }
  return {
    endpoint: input.endpoint,
    p256dh: encodeBase64Url(p256dh),
    auth: encodeBase64Url(auth),
  };
}
