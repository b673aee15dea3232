/**
 * Sessions: who a request or socket speaks for. Identity travels as a signed
 * token in the `chat_session` cookie, an `Authorization: Bearer` header, a
 * `?token=` parameter (EventSource cannot set headers) or the WS `hello`.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import type { Records } from "../engine/records.ts";
import {
  type AccountRecord,
  type Accounts,
  presentUser,
} from "../accounts/accounts.ts";
import { encodeBase64Url } from "./base64url.ts";
import { newUserId, type TokenSigner } from "./token.ts";

/** The name of the session cookie. */
export const SESSION_COOKIE = "chat_session";

const ONE_YEAR_S = 365 * 24 * 3600;
/** How long a claimed account's token is valid. */
export const ACCOUNT_TOKEN_TTL_S = 30 * 24 * 3600;
/** A claimed account's token with less than this left is replaced when seen. */
const REFRESH_BEFORE_S = 15 * 24 * 3600;

/** An identity and the token that proves it. */
export interface Session {
  user: User;
  token: string;
}

/** A verified token: the user it speaks for, and whether to replace it. */
export interface Verified {
  user: User;
  /** The token is an account's and past half its life: issue a fresh one. */
  stale: boolean;
}

/** Where a revoked token is remembered, by its hash, until it would have expired. */
const revokedKey = (hash: string) => ["revoked", hash];
const accountKey = (userId: string) => ["account", userId];

/** The SHA-256 of a token, base64url: how revocations name it. */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(token),
  );
  return encodeBase64Url(new Uint8Array(digest));
}

/** Issues, renames, recognises and revokes sessions. */
export class Sessions {
  readonly #signer: TokenSigner;
  readonly #accounts: Accounts;
  readonly #records: Records;
  readonly #now: () => number;

  constructor(
    signer: TokenSigner,
    accounts: Accounts,
    records: Records,
    now: () => number = Date.now,
  ) {
    this.#signer = signer;
    this.#accounts = accounts;
    this.#records = records;
    this.#now = now;
  }

  /** The user a token speaks for, or `null` (forged, expired or revoked). */
  async verify(token: string): Promise<User | null> {
    return (await this.check(token))?.user ?? null;
  }

  /**
   * Verifies a token: its signature and expiry, then (one read) whether it
   * was revoked and whether its user has an account, whose name wins over
   * the one the token was issued with.
   */
  async check(token: string): Promise<Verified | null> {
    const claims = await this.#signer.verify(token);
    if (!claims) return null;
    const nowS = this.#now() / 1000;
    if (claims.expiresAt !== undefined && claims.expiresAt <= nowS) return null;
    const [revoked, account] = await this.#records.getMany<unknown>([
      revokedKey(await tokenHash(token)),
      accountKey(claims.id),
    ]);
    if (revoked) return null;
    const record = (account?.value ?? null) as AccountRecord | null;
    // Issued before the account's password changed: ended with it.
    if (
      record?.sessionsAfter !== undefined &&
      (claims.issuedAt ?? 0) < record.sessionsAfter
    ) {
      return null;
    }
    return {
      user: presentUser(claims, record),
      stale: record !== null &&
        (claims.expiresAt === undefined ||
          claims.expiresAt - nowS < REFRESH_BEFORE_S),
    };
  }

  /**
   * Creates a user named `name`, or renames `existing` (same id) when given.
   * `name` must already be validated; a name someone else claimed is
   * `name_taken`.
   */
  async issue(name: string, existing: User | null): Promise<Session> {
    const id = existing?.id ?? newUserId();
    // Keeping one's name needs no check: a guest whose name was claimed
    // since keeps it, shown as a guest's.
    if (existing && existing.name !== name) {
      await this.#accounts.rename(existing, name);
    } else if (!existing) {
      await this.#accounts.checkNameFree(name, id);
    }
    return await this.issueFor({
      id,
      name,
      ...(existing?.claimed ? { claimed: true } : {}),
    });
  }

  /** A fresh token for `user` (an account's expires; a guest's does not). */
  async issueFor(user: User): Promise<Session> {
    const expiresAt = user.claimed
      ? Math.floor(this.#now() / 1000) + ACCOUNT_TOKEN_TTL_S
      : undefined;
    return { user, token: await this.#signer.sign(user, expiresAt) };
  }

  /**
   * Revokes `token` everywhere from now on: remembered by its hash until it
   * would have expired anyway. Resolves to the hash (open connections that
   * use the token are closed by it).
   */
  async revoke(token: string): Promise<string> {
    const hash = await tokenHash(token);
    const claims = await this.#signer.verify(token);
    const leftS = claims?.expiresAt === undefined
      ? ONE_YEAR_S
      : Math.max(1, claims.expiresAt - this.#now() / 1000);
    await this.#records.write({
      set: [{
        key: revokedKey(hash),
        value: { at: this.#now() },
        expireInMs: Math.ceil(leftS * 1000),
      }],
    });
    return hash;
  }

  /** The token a request carries: bearer header, then `?token=`, then cookie. */
  tokenOf(req: Request, url: URL): string | null {
    const auth = req.headers.get("authorization");
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    const param = url.searchParams.get("token");
    if (param) return param;
    return readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  }

  /** The user a request speaks for, or `null` when it carries no valid token. */
  async userFromRequest(req: Request, url: URL): Promise<User | null> {
    const token = this.tokenOf(req, url);
    return token ? await this.verify(token) : null;
  }

  /** Clears the session cookie. */
  clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` +
      (secure ? "; Secure" : "");
  }

  /** A `Set-Cookie` value carrying `token`. */
  cookie(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR_S}` +
      (secure ? "; Secure" : "");
  }
}

/** The value of cookie `name` in a `Cookie` header, or `null`. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return null;
}
