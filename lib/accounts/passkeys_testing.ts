/**
 * A software authenticator for tests: what a browser and an authenticator
 * would answer to passkey options (ES256, attestation `none`), so the
 * ceremonies can be tested without a browser, and tampered with (another
 * origin, no user verification, a counter that goes back).
 *
 * @module
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { decodeBase64Url, encodeBase64Url } from "../auth/base64url.ts";

/** What a response may be made to get wrong. */
export interface Tamper {
  /** The origin the "browser" puts in the client data. */
  origin?: string;
  /** The RP ID whose hash the authenticator data carries (default: the options'). */
  rpId?: string;
  /** Whether the user was verified (default `true`). */
  uv?: boolean;
  /** The signature counter to report instead of the next one. */
  counter?: number;
  /** The user handle to return instead of the registered one. */
  userHandle?: string;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const encoder = new TextEncoder();

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** A DER INTEGER of a big-endian unsigned number. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes[start] & 0x80
    ? concat(new Uint8Array([0]), bytes.subarray(start))
    : bytes.subarray(start);
  return concat(new Uint8Array([0x02, body.length]), body);
}

/** WebCrypto's raw `r‖s` ECDSA signature as the DER WebAuthn uses. */
function derSignature(raw: Uint8Array): Uint8Array {
  const r = derInteger(raw.subarray(0, 32));
  const s = derInteger(raw.subarray(32));
  return concat(new Uint8Array([0x30, r.length + s.length]), r, s);
}

/** One passkey on a software authenticator. */
export class SoftAuthenticator {
  /** The credential id, base64url. */
  readonly id: string;
  /** The signature counter, moved on by each assertion. */
  counter = 0;
  #keys: CryptoKeyPair;
  #userHandle: string | undefined;

  private constructor(id: string, keys: CryptoKeyPair) {
    this.id = id;
    this.#keys = keys;
  }

  /** A fresh credential with a new P-256 key. */
  static async create(): Promise<SoftAuthenticator> {
    const keys = await crypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const id = encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    return new SoftAuthenticator(id, keys);
  }

  /** Answers registration options as `startRegistration()` would. */
  async register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    tamper: Tamper = {},
  ): Promise<RegistrationResponseJSON> {
    this.#userHandle = options.user.id;
    const jwk = await crypto.subtle.exportKey("jwk", this.#keys.publicKey);
    const coseKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, base64urlBytes(jwk.x!)],
        [-3, base64urlBytes(jwk.y!)],
      ]),
    );
    const credentialId = base64urlBytes(this.id);
    const authData = concat(
      await this.#rpIdHash(options.rp.id!, tamper),
      new Uint8Array([FLAG_UP | FLAG_AT | (tamper.uv === false ? 0 : FLAG_UV)]),
      uint32(this.counter),
      new Uint8Array(16), // AAGUID: none
      new Uint8Array([credentialId.length >> 8, credentialId.length & 0xff]),
      credentialId,
      coseKey,
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as Parameters<typeof isoCBOR.encode>[0],
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientData(
          "webauthn.create",
          options.challenge,
          tamper.origin ?? origin,
        ),
        attestationObject: encodeBase64Url(attestationObject),
        transports: ["internal"],
      },
    };
  }

  /** Answers sign-in options as `startAuthentication()` would. */
  async assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    tamper: Tamper = {},
  ): Promise<AuthenticationResponseJSON> {
    this.counter = tamper.counter ?? this.counter + 1;
    const authData = concat(
      await this.#rpIdHash(options.rpId!, tamper),
      new Uint8Array([FLAG_UP | (tamper.uv === false ? 0 : FLAG_UV)]),
      uint32(this.counter),
    );
    const clientDataJSON = clientData(
      "webauthn.get",
      options.challenge,
      tamper.origin ?? origin,
    );
    const signed = concat(
      authData,
      await sha256(base64urlBytes(clientDataJSON)),
    );
    const raw = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        this.#keys.privateKey,
        signed,
      ),
    );
    const userHandle = tamper.userHandle ?? this.#userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: encodeBase64Url(authData),
        signature: encodeBase64Url(derSignature(raw)),
        ...(userHandle ? { userHandle } : {}),
      },
    };
  }

  #rpIdHash(rpId: string, tamper: Tamper): Promise<Uint8Array> {
    return sha256(encoder.encode(tamper.rpId ?? rpId));
  }
}

function clientData(type: string, challenge: string, origin: string): string {
  return encodeBase64Url(
    encoder.encode(
      JSON.stringify({ type, challenge, origin, crossOrigin: false }),
    ),
  );
}

/** Bytes of base64url this module made itself (or WebCrypto did): valid. */
function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  return decodeBase64Url(text)!;
}
