/**
 * Push subscriptions in records, per user:
 * `["push-sub", userId, sha256(endpoint)]` → `{endpoint, p256dh, auth,
 * createdAt}`, and beside each `["push-owner", sha256(endpoint)]` →
 * `{user}`. An endpoint is one browser profile; the owner record makes it
 * belong to one user at a time, so when a second person signs in on that
 * browser and subscribes, the first person's messages stop going there
 * (their subscription is deleted in the same write).
 *
 * @module
 */
import type { RecordEntry, RecordKey, Records } from "../engine/records.ts";
import { encodeBase64Url } from "../auth/base64url.ts";
import type { PushTarget } from "./web_push_package.ts";

/** Subscriptions kept per user (devices and browsers); the oldest go first. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/** A stored subscription. */
export interface StoredSubscription extends PushTarget {
  /** Epoch milliseconds. */
  createdAt: number;
}

interface Owner {
  user: string;
}

/** Checked writes retried this often when another write got in between. */
const ATTEMPTS = 5;

/** An endpoint's key part: its SHA-256, base64url (endpoints are too long for keys). */
export async function endpointId(endpoint: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(endpoint),
  );
  return encodeBase64Url(new Uint8Array(digest));
}

const subKey = (user: string, id: string): RecordKey => ["push-sub", user, id];
const ownerKey = (id: string): RecordKey => ["push-owner", id];

/** The push subscriptions of every user. */
export class PushSubscriptions {
  readonly #records: Records;
  readonly #now: () => number;

  constructor(records: Records, now: () => number = Date.now) {
    this.#records = records;
    this.#now = now;
  }

  /** The user's subscriptions, oldest first. */
  async list(user: string): Promise<StoredSubscription[]> {
    const entries = await this.#records.list<StoredSubscription>(
      ["push-sub", user],
      // More than the cap: a list that raced an add still sees all of them.
      MAX_SUBSCRIPTIONS_PER_USER * 4,
    );
    return entries.map((entry) => entry.value)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Stores `target` for `user` (again: refreshed keys, a new `createdAt`),
   * takes the endpoint from whoever had it, and drops the user's oldest
   * subscriptions past {@linkcode MAX_SUBSCRIPTIONS_PER_USER}.
   */
  async add(user: string, target: PushTarget): Promise<void> {
    const id = await endpointId(target.endpoint);
    const value: StoredSubscription = {
      endpoint: target.endpoint,
      p256dh: target.p256dh,
      auth: target.auth,
      createdAt: this.#now(),
    };
    for (let attempt = 0;; attempt++) {
      const owner = await this.#records.get<Owner>(ownerKey(id));
      const previous = owner && owner.value.user !== user
        ? [subKey(owner.value.user, id)]
        : [];
      const written = await this.#records.write({
        checks: [{ key: ownerKey(id), version: owner?.version ?? null }],
        set: [
          { key: subKey(user, id), value },
          { key: ownerKey(id), value: { user } satisfies Owner },
        ],
        delete: previous,
      });
      if (written) break;
      if (attempt + 1 >= ATTEMPTS) {
        throw new Error(
          "Cannot store the push subscription: records kept conflicting",
        );
      }
    }
    const all = await this.list(user);
    for (const old of all.slice(0, -MAX_SUBSCRIPTIONS_PER_USER)) {
      await this.remove(user, old.endpoint);
    }
  }

  /** Deletes the user's subscription to `endpoint`, if any. */
  async remove(user: string, endpoint: string): Promise<void> {
    const id = await endpointId(endpoint);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const owner: RecordEntry<Owner> | null = await this.#records.get<Owner>(
        ownerKey(id),
      );
      // The owner record goes only with its own user's subscription.
      const ours = owner?.value.user === user;
      const written = await this.#records.write({
        checks: [{ key: ownerKey(id), version: owner?.version ?? null }],
        delete: ours ? [subKey(user, id), ownerKey(id)] : [subKey(user, id)],
      });
      if (written) return;
    }
    throw new Error(
      "Cannot delete the push subscription: records kept conflicting",
    );
  }
}
