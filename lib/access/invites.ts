/**
 * Invite links: `/invites/<token>`, the token `<room>.<id>.<expiresAt>.<mac>`
 * signed with HMAC-SHA256 under a key derived from the deployment's
 * secret, and stored (`["invite", room, id]`) so that an owner can list and
 * revoke them. Redeeming checks the signature, the time and the record.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Records } from "../engine/records.ts";
import { decodeBase64Url, encodeBase64Url } from "../auth/base64url.ts";
import { inviteKey, type InviteRecord } from "./room_records.ts";

/** How long an invite lasts unless asked otherwise. */
export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

const encoder = new TextEncoder();

/** An invite as its creator sees it. */
export interface Invite {
  id: string;
  room: string;
  /** The path to open or POST to (`/invites/<token>`). */
  path: string;
  expiresAt: number;
}

/** Creates, checks and revokes invites. */
export class Invites {
  readonly #records: Records;
  readonly #key: CryptoKey;
  readonly #now: () => number;

  private constructor(records: Records, key: CryptoKey, now: () => number) {
    this.#records = records;
    this.#key = key;
    this.#now = now;
  }

  /** Invites signed with a key derived from `secret`. */
  static async create(
    records: Records,
    secret: Uint8Array<ArrayBuffer>,
    now: () => number = Date.now,
  ): Promise<Invites> {
    const base = await crypto.subtle.importKey(
      "raw",
      secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const derived = await crypto.subtle.sign(
      "HMAC",
      base,
      encoder.encode("chat invites v1"),
    );
    const key = await crypto.subtle.importKey(
      "raw",
      derived,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    return new Invites(records, key, now);
  }

  /** A new invite to `room` by `by` (whose right to invite is checked already). */
  async invite(room: string, by: User, ttlMs = INVITE_TTL_MS): Promise<Invite> {
    const id = encodeBase64Url(crypto.getRandomValues(new Uint8Array(9)));
    const expiresAt = this.#now() + ttlMs;
    const record: InviteRecord = { by: by.id, expiresAt };
    await this.#records.write({
      set: [{ key: inviteKey(room, id), value: record, expireInMs: ttlMs }],
    });
    const signed = `${room}.${id}.${expiresAt}`;
    const mac = await crypto.subtle.sign(
      "HMAC",
      this.#key,
      encoder.encode(signed),
    );
    const token = `${signed}.${encodeBase64Url(new Uint8Array(mac))}`;
    return { id, room, path: `/invites/${token}`, expiresAt };
  }

  /**
   * The room an invite token lets its bearer into; `not_found` when it is
   * forged, expired or revoked (one answer for all three).
   */
  async check(token: string): Promise<string> {
    const gone = new ProtocolError(
      "not_found",
      "This invite is not valid: it expired or was revoked",
    );
    const parts = token.split(".");
    if (parts.length !== 4 || token.length > 256) throw gone;
    const [room, id, expires, macText] = parts;
    const mac = decodeBase64Url(macText);
    if (!mac) throw gone;
    const valid = await crypto.subtle.verify(
      "HMAC",
      this.#key,
      mac,
      encoder.encode(`${room}.${id}.${expires}`),
    );
    if (!valid || Number(expires) <= this.#now()) throw gone;
    const record = await this.#records.get<InviteRecord>(inviteKey(room, id));
    if (!record || record.value.expiresAt <= this.#now()) throw gone;
    return room;
  }

  /** The open invites of `room`. */
  async list(room: string): Promise<Array<InviteRecord & { id: string }>> {
    const now = this.#now();
    return (await this.#records.list<InviteRecord>(["invite", room]))
      .filter((e) => e.value.expiresAt > now)
      .map((e) => ({ ...e.value, id: e.key[2] }));
  }

  /** Revokes an invite: its link stops working at once. */
  async revoke(room: string, id: string): Promise<void> {
    await this.#records.write({ delete: [inviteKey(room, id)] });
  }
}
