import { deepEqual, equal, throws } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { encodeBase64Url } from "../auth/base64url.ts";
import {
  challengeOf,
  parseAuthenticationResponse,
  parseRegistrationResponse,
} from "./passkeys_input.ts";

const CHALLENGE = "Y2hhbGxlbmdlLWNoYWxsZW5nZS1jaGFsbGVuZ2U";
const clientData = (data: unknown) =>
  encodeBase64Url(new TextEncoder().encode(JSON.stringify(data)));
const CLIENT_DATA = clientData({ type: "webauthn.get", challenge: CHALLENGE });

const assertion = {
  id: "Y3JlZA",
  rawId: "Y3JlZA",
  type: "public-key",
  clientExtensionResults: { credProps: { rk: true } },
  authenticatorAttachment: "platform",
  response: {
    clientDataJSON: CLIENT_DATA,
    authenticatorData: "YXV0aA",
    signature: "c2ln",
    userHandle: "dV9h",
  },
};

const isBadRequest = (e: unknown) =>
  e instanceof ProtocolError && e.code === "bad_request";

Deno.test("an assertion is copied field by field with its challenge", () => {
  deepEqual(parseAuthenticationResponse(assertion), {
    challenge: CHALLENGE,
    response: {
      id: "Y3JlZA",
      rawId: "Y3JlZA",
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: CLIENT_DATA,
        authenticatorData: "YXV0aA",
        signature: "c2ln",
        userHandle: "dV9h",
      },
    },
  });
  const noHandle = parseAuthenticationResponse({
    ...assertion,
    response: { ...assertion.response, userHandle: null },
  });
  equal("userHandle" in noHandle.response.response, false);
});

Deno.test("an attestation keeps its transports", () => {
  const parsed = parseRegistrationResponse({
    ...assertion,
    response: {
      clientDataJSON: CLIENT_DATA,
      attestationObject: "YXR0",
      transports: ["internal", "hybrid"],
    },
  });
  deepEqual(parsed.response.response, {
    clientDataJSON: CLIENT_DATA,
    attestationObject: "YXR0",
    transports: ["internal", "hybrid"],
  });
});

Deno.test("malformed responses are bad requests", () => {
  const bad: unknown[] = [
    null,
    [],
    { ...assertion, id: "not base64url!" },
    { ...assertion, id: "A".repeat(1365), rawId: "A".repeat(1365) },
    { ...assertion, rawId: "b3RoZXI" },
    { ...assertion, type: "password" },
    { ...assertion, response: "x" },
    { ...assertion, response: { ...assertion.response, signature: 5 } },
    { ...assertion, response: { ...assertion.response, userHandle: "a b" } },
    {
      ...assertion,
      response: { ...assertion.response, clientDataJSON: "e30" }, // {}
    },
  ];
  for (const body of bad) {
    throws(() => parseAuthenticationResponse(body), isBadRequest);
  }
  throws(
    () =>
      parseRegistrationResponse({
        ...assertion,
        response: {
          clientDataJSON: CLIENT_DATA,
          attestationObject: "YXR0",
          transports: "usb",
        },
      }),
    isBadRequest,
  );
});

Deno.test("the challenge is read from the client data", () => {
  equal(challengeOf(CLIENT_DATA), CHALLENGE);
  for (
    const data of [
      "%%%",
      encodeBase64Url(new TextEncoder().encode("not json")),
      clientData({ challenge: "short" }),
      clientData({ challenge: 42 }),
    ]
  ) {
    throws(() => challengeOf(data), isBadRequest, data);
  }
});
