/**
 * WebAuthn responses as `@simplewebauthn/browser` posts them
 * (`RegistrationResponseJSON`, `AuthenticationResponseJSON`), checked and
 * copied field by field before any of it reaches a storage key or the
 * verifier, and the challenge each carries inside its `clientDataJSON`.
 * What the server does not use (extension results, the attachment) is left
 * out.
 *
 * @module
 */
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { ProtocolError } from "../protocol/errors.ts";
import { isPlainRecord } from "../protocol/codec.ts";
import { decodeBase64Url } from "../auth/base64url.ts";

/** A checked response and the challenge its client data names. */
export interface ParsedResponse<T> {
  response: T;
  challenge: string;
}

/** Credential ids are at most 1023 bytes (WebAuthn): this many characters. */
const MAX_ID_CHARS = 1364;
/** The library's challenges are 32 bytes; anything far off is not ours. */
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

function invalid(what: string): ProtocolError {
  return new ProtocolError(
    "bad_request",
    `Send the browser's WebAuthn response as JSON (${what})`,
  );
}

/** `value[name]` as a non-empty base64url string; `undefined` if absent and optional. */
function base64url(
  value: Record<string, unknown>,
  name: string,
  optional = false,
): string | undefined {
  const field = value[name];
  if (field === undefined && optional) return undefined;
  if (typeof field !== "string" || !BASE64URL_PATTERN.test(field)) {
    throw invalid(`${name} must be base64url`);
  }
  return field;
}

/** The fields both kinds of response share. */
function common(body: unknown): {
  id: string;
  inner: Record<string, unknown>;
  challenge: string;
} {
  if (!isPlainRecord(body)) throw invalid("an object");
  const id = base64url(body, "id")!;
  if (id.length > MAX_ID_CHARS) throw invalid("id is too long");
  if (body.rawId !== id) throw invalid("rawId must equal id");
  if (body.type !== "public-key") throw invalid('type must be "public-key"');
  const inner = body.response;
  if (!isPlainRecord(inner)) throw invalid("response must be an object");
  return {
    id,
    inner,
    challenge: challengeOf(base64url(inner, "clientDataJSON")!),
  };
}

/** The challenge named by a base64url `clientDataJSON`. */
export function challengeOf(clientDataJSON: string): string {
  const bytes = decodeBase64Url(clientDataJSON);
  let data: unknown;
  try {
    data = bytes && JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // reported below
  }
  const challenge = isPlainRecord(data) ? data.challenge : undefined;
  if (typeof challenge !== "string" || !CHALLENGE_PATTERN.test(challenge)) {
    throw invalid("clientDataJSON must name a challenge");
  }
  return challenge;
}

/** Checks the response of `startRegistration()` (`navigator.credentials.create()`). */
export function parseRegistrationResponse(
  body: unknown,
): ParsedResponse<RegistrationResponseJSON> {
  const { id, inner, challenge } = common(body);
  const transports = inner.transports;
  if (
    transports !== undefined &&
    (!Array.isArray(transports) || transports.length > 10 ||
      !transports.every((t) => typeof t === "string" && t.length <= 32))
  ) {
    throw invalid("transports must be a short list of names");
  }
  return {
    challenge,
    response: {
      id,
      rawId: id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(inner, "clientDataJSON")!,
        attestationObject: base64url(inner, "attestationObject")!,
        ...(transports ? { transports: transports as string[] } : {}),
      },
    },
  };
}

/** Checks the response of `startAuthentication()` (`navigator.credentials.get()`). */
export function parseAuthenticationResponse(
  body: unknown,
): ParsedResponse<AuthenticationResponseJSON> {
  const { id, inner, challenge } = common(body);
  // Browsers give `null` for an authenticator that returned no handle.
  const userHandle = inner.userHandle === null
    ? undefined
    : base64url(inner, "userHandle", true);
  return {
    challenge,
    response: {
      id,
      rawId: id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(inner, "clientDataJSON")!,
        authenticatorData: base64url(inner, "authenticatorData")!,
        signature: base64url(inner, "signature")!,
        ...(userHandle ? { userHandle } : {}),
      },
    },
  };
}
