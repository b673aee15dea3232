/**
 * Passkeys: WebAuthn registration (which claims a guest's name, as a
 * password does) and sign-in, over `@simplewebauthn/server`, which does the
 * hard part (CBOR, COSE keys, attestation and signature checks, counters).
 *
 * A ceremony is two requests: options (a fresh challenge), then the
 * browser's response. The challenge is its own id: it is stored when the
 * options are made and the response carries it back inside the signed
 * `clientDataJSON`, so no other id or cookie travels and several tabs can
 * run ceremonies at once. It is single use (deleted with a version check
 * before the response is verified) and expires after
 * {@linkcode CHALLENGE_TTL_MS}.
 *
 * Records (`lib/engine/records.ts`):
 * - `["webauthn-challenge", challenge]` → {@linkcode ChallengeRecord}
 * - `["passkey", credentialId]` → {@linkcode PasskeyRecord}
 * - `["passkeys", userId, credentialId]` → `{ createdAt }`: a user's passkeys
 *
 * @module
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { RecordKey, Records } from "../engine/records.ts";
import { decodeBase64Url, encodeBase64Url } from "../auth/base64url.ts";
import type { Accounts } from "./accounts.ts";
import type { LoginThrottle } from "./login_throttle.ts";
import {
  parseAuthenticationResponse,
  parseRegistrationResponse,
} from "./passkeys_input.ts";

/** How long a ceremony may take, from options to response. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** Who the passkeys are for: the site, as the browser sees it. */
export interface RelyingParty {
  /** The RP ID: a domain (the request's hostname, or `CHAT_RP_ID`). */
  id: string;
  /** Shown by some authenticators. */
  name: string;
  /** The origin the ceremony must have run on (`https://host[:port]`). */
  origin: string;
}

/** A ceremony's challenge, as stored. */
export interface ChallengeRecord {
  purpose: "register" | "sign-in";
  /** For `register`: who asked for the options (only they may finish). */
  userId?: string;
  /** Epoch ms after which the challenge is refused. */
  expiresAt: number;
}

/** A registered passkey, as stored. */
export interface PasskeyRecord {
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that keep none). */
  counter: number;
  /** Hints for the browser (`internal`, `usb`, `hybrid`…). */
  transports?: string[];
  /** Epoch ms of the registration. */
  createdAt: number;
  /** Epoch ms of the last sign-in with it. */
  lastUsedAt?: number;
}

/** A passkey as the account page lists it. */
export interface PasskeySummary {
  id: string;
  createdAt: number;
  lastUsedAt?: number;
}

const challengeKey = (challenge: string) => ["webauthn-challenge", challenge];
const passkeyKey = (credentialId: string) => ["passkey", credentialId];
const userPasskeysKey = (userId: string) => ["passkeys", userId];

/** How often a removal is retried when the user's passkeys changed meanwhile. */
const WRITE_ATTEMPTS = 5;

/** The one answer to every failed passkey sign-in: nothing to tell apart. */
const SIGN_IN_FAILED = "Passkey sign-in failed";

/**
 * Passkeys in both directions. UV is required in both ceremonies: a passkey
 * is the only factor here, so whoever holds an unlocked authenticator must
 * also have unlocked it (PIN, fingerprint), not merely touched it.
 */
export class Passkeys {
  readonly #records: Records;
  readonly #accounts: Accounts;
  readonly #throttle: LoginThrottle;
  readonly #now: () => number;

  constructor(
    records: Records,
    accounts: Accounts,
    throttle: LoginThrottle,
    now: () => number = Date.now,
  ) {
    this.#records = records;
    this.#accounts = accounts;
    this.#throttle = throttle;
    this.#now = now;
  }

  /** The passkeys of `userId`, in the order they were registered. */
  async list(userId: string): Promise<PasskeySummary[]> {
    return (await this.#credentials(userId))
      .map(({ id, record }) => ({
        id,
        createdAt: record.createdAt,
        ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt } : {}),
      }))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Options for registering a passkey for `user` (`navigator.credentials
   * .create`). A guest whose name someone claimed is told now
   * (`name_taken`), before touching an authenticator.
   */
  async registrationOptions(
    user: User,
    rp: RelyingParty,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    if (!user.claimed) await this.#accounts.checkNameFree(user.name, user.id);
    const existing = await this.#credentials(user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.name,
      userDisplayName: user.name,
      // The user handle: a discoverable sign-in hands it back, and it must
      // name the same user as the credential (checked in #verify).
      userID: new TextEncoder().encode(user.id),
      timeout: CHALLENGE_TTL_MS,
      attestationType: "none",
      // One authenticator holds at most one of this user's passkeys.
      excludeCredentials: existing.map(({ id, record }) => ({
        id,
        transports: record.transports,
      })),
      authenticatorSelection: {
        // Discoverable, so that signing in needs no name.
        residentKey: "required",
        userVerification: "required",
      },
    });
    await this.#storeChallenge(options.challenge, {
      purpose: "register",
      userId: user.id,
    });
    return options;
  }

  /**
   * Verifies a registration `response` and adds the passkey to `user`'s
   * account, claiming the name when `user` is a guest (`name_taken` if
   * someone else claimed it meanwhile). Resolves to the claimed user.
   * Anything that does not verify is `bad_request`.
   */
  async register(
    user: User,
    response: unknown,
    rp: RelyingParty,
  ): Promise<User> {
    const parsed = parseRegistrationResponse(response);
    const unverified = () =>
      new ProtocolError("bad_request", "The passkey could not be verified");
    if (!await this.#consume(parsed.challenge, "register", user.id)) {
      throw unverified();
    }
    let credential;
    try {
      const result = await verifyRegistrationResponse({
        response: parsed.response as RegistrationResponseJSON,
        expectedChallenge: parsed.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
      });
      if (!result.verified) throw unverified();
      credential = result.registrationInfo.credential;
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw unverified();
    }
    if (await this.#records.get(passkeyKey(credential.id))) {
      throw new ProtocolError(
        "bad_request",
        "This passkey is already registered",
      );
    }
    const now = this.#now();
    const record: PasskeyRecord = {
      userId: user.id,
      publicKey: encodeBase64Url(credential.publicKey),
      counter: credential.counter,
      ...(credential.transports ? { transports: credential.transports } : {}),
      createdAt: now,
    };
    return await this.#accounts.claimWith(user, {
      checks: [{ key: passkeyKey(credential.id), version: null }],
      set: [
        { key: passkeyKey(credential.id), value: record },
        {
          key: [...userPasskeysKey(user.id), credential.id],
          value: { createdAt: now },
        },
      ],
    });
  }

  /**
   * Options for signing in (`navigator.credentials.get`). Without `name`
   * the browser offers every passkey it holds for the site (discoverable
   * credentials); with a claimed `name`, only that account's.
   */
  async signInOptions(
    rp: RelyingParty,
    name?: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const owner = name === undefined
      ? null
      : await this.#accounts.ownerOf(name);
    const allowed = owner ? await this.#credentials(owner) : [];
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      timeout: CHALLENGE_TTL_MS,
      userVerification: "required",
      allowCredentials: allowed.map(({ id, record }) => ({
        id,
        transports: record.transports,
      })),
    });
    await this.#storeChallenge(options.challenge, { purpose: "sign-in" });
    return options;
  }

  /**
   * Verifies a sign-in `response`: resolves to the account's user, or
   * throws `unauthenticated` (one message for every failure) or
   * `rate_limited`. Failures count against the account's name (or, for an
   * unknown passkey, the credential id) and `address`, as failed password
   * sign-ins do.
   */
  async signIn(
    response: unknown,
    rp: RelyingParty,
    address: string,
  ): Promise<User> {
    const parsed = parseAuthenticationResponse(response);
    const stored = await this.#records.get<PasskeyRecord>(
      passkeyKey(parsed.response.id),
    );
    const account = stored
      ? await this.#accounts.account(stored.value.userId)
      : null;
    // Counted per account name like password failures; an unknown passkey
    // has no name, so it gets a counter of its own (a name that happened to
    // read the same would only share the count).
    const throttleName = account?.name ?? `passkey:${parsed.response.id}`;
    await this.#throttle.check(throttleName, address);
    const fresh = await this.#consume(parsed.challenge, "sign-in");
    if (
      fresh && stored && account &&
      await this.#verify(parsed.challenge, parsed.response, stored, rp)
    ) {
      return { id: stored.value.userId, name: account.name, claimed: true };
    }
    await this.#throttle.failed(throttleName, address);
    throw new ProtocolError("unauthenticated", SIGN_IN_FAILED);
  }

  /**
   * Checks an assertion against the stored passkey and records its new
   * counter. `false` when anything is wrong, including a counter that went
   * backwards (a cloned authenticator, as the library warns).
   */
  async #verify(
    challenge: string,
    response: AuthenticationResponseJSON,
    stored: { key: RecordKey; value: PasskeyRecord; version: string },
    rp: RelyingParty,
  ): Promise<boolean> {
    const passkey = stored.value;
    const handle = response.response.userHandle;
    if (
      handle !== undefined &&
      handle !== encodeBase64Url(new TextEncoder().encode(passkey.userId))
    ) {
      return false;
    }
    const publicKey = decodeBase64Url(passkey.publicKey);
    if (!publicKey) return false;
    let newCounter: number;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: {
          id: response.id,
          publicKey,
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
      if (!result.verified) return false;
      newCounter = result.authenticationInfo.newCounter;
    } catch {
      return false;
    }
    // The version check makes the counter move forward only from what was
    // verified against: a concurrent sign-in with the same passkey (or its
    // removal) fails this one rather than let a counter go back.
    return await this.#records.write({
      checks: [{ key: stored.key, version: stored.version }],
      set: [{
        key: stored.key,
        value: { ...passkey, counter: newCounter, lastUsedAt: this.#now() },
      }],
    });
  }

  /**
   * Removes passkey `credentialId` of `userId`. The account's last way in
   * stays: its only passkey goes only when it has a password
   * (`bad_request` otherwise). Another user's or an unknown passkey is
   * `not_found`. The write checks every passkey of the user, so two
   * removals at once cannot both take what each thought was not the last.
   */
  async remove(userId: string, credentialId: string): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const index = await this.#records.list(userPasskeysKey(userId));
      const ids = index.map((entry) => entry.key[entry.key.length - 1]);
      if (!ids.includes(credentialId)) {
        throw new ProtocolError("not_found", "No such passkey on this account");
      }
      const [entries, account] = await Promise.all([
        this.#records.getMany(ids.map(passkeyKey)),
        this.#accounts.account(userId),
      ]);
      if (ids.length === 1 && !account?.password) {
        throw new ProtocolError(
          "bad_request",
          "This passkey is your only way to sign in: set a password or add another passkey first",
        );
      }
      const ok = await this.#records.write({
        checks: ids.map((id, i) => ({
          key: passkeyKey(id),
          version: entries[i]?.version ?? null,
        })),
        delete: [
          passkeyKey(credentialId),
          [...userPasskeysKey(userId), credentialId],
        ],
      });
      if (ok) return;
    }
    throw new ProtocolError(
      "unavailable",
      "Cannot remove the passkey: your passkeys changed meanwhile, try again",
    );
  }

  /** The stored passkeys of `userId`, with their ids. */
  async #credentials(
    userId: string,
  ): Promise<Array<{ id: string; record: PasskeyRecord }>> {
    const index = await this.#records.list(userPasskeysKey(userId));
    const ids = index.map((entry) => entry.key[entry.key.length - 1]);
    const entries = await this.#records.getMany<PasskeyRecord>(
      ids.map(passkeyKey),
    );
    return entries.flatMap((entry, i) =>
      entry ? [{ id: ids[i], record: entry.value }] : []
    );
  }

  async #storeChallenge(
    challenge: string,
    record: Omit<ChallengeRecord, "expiresAt">,
  ): Promise<void> {
    const value: ChallengeRecord = {
      ...record,
      expiresAt: this.#now() + CHALLENGE_TTL_MS,
    };
    await this.#records.write({
      set: [{
        key: challengeKey(challenge),
        value,
        expireInMs: CHALLENGE_TTL_MS,
      }],
    });
  }

  /**
   * Uses up `challenge`: `true` when it was issued for `purpose` (and
   * `userId`), has not expired, and nobody used it before. Deleted whatever
   * the answer, so a response can be tried once.
   */
  async #consume(
    challenge: string,
    purpose: ChallengeRecord["purpose"],
    userId?: string,
  ): Promise<boolean> {
    const entry = await this.#records.get<ChallengeRecord>(
      challengeKey(challenge),
    );
    if (!entry) return false;
    const deleted = await this.#records.write({
      checks: [{ key: entry.key, version: entry.version }],
      delete: [entry.key],
    });
    const issued = entry.value;
    return deleted && issued.purpose === purpose &&
      issued.expiresAt > this.#now() &&
      (issued.userId === undefined || issued.userId === userId);
  }
}
