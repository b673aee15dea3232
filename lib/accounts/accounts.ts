/**
 * Accounts: claimed names. A guest is a user id and a display name in a
 * signed token, nothing stored; claiming the name (with a password or a
 * passkey) stores an account under the same user id and reserves the
 * name's folded form (`names.ts`) for it, so nobody else can take it.
 *
 * Records (`lib/engine/records.ts`):
 * - `["account", userId]` → {@linkcode AccountRecord}
 * - `["name", folded]` → `{ id }`: who claimed the name
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Records, RecordWrite } from "../engine/records.ts";
import { foldName } from "./names.ts";
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from "./passwords.ts";

/** A claimed account as stored. */
export interface AccountRecord {
  /** The claimed display name. */
  name: string;
  /** Epoch ms of the claim. */
  createdAt: number;
  /** The password hash (`passwords.ts`), when one was set. */
  password?: string;
  /**
   * Epoch ms: tokens issued before it are no longer valid (set when the
   * password is changed, so a stolen session ends with it).
   */
  sessionsAfter?: number;
}

/** Who claimed a name. */
interface NameRecord {
  id: string;
}

const accountKey = (userId: string) => ["account", userId];
const nameKey = (name: string) => ["name", foldName(name)];

/** How often a claim or rename is retried when a record changed meanwhile. */
const WRITE_ATTEMPTS = 5;

/** Options of {@linkcode Accounts}. */
export interface AccountsOptions {
  /** PBKDF2 iterations (tests use fewer). */
  iterations?: number;
  now?: () => number;
}

/** Claimed names over the engine's records. */
export class Accounts {
  readonly #records: Records;
  readonly #iterations: number | undefined;
  readonly #now: () => number;

  constructor(records: Records, options: AccountsOptions = {}) {
    this.#records = records;
    this.#iterations = options.iterations;
    this.#now = options.now ?? Date.now;
  }

  /** The account of `userId`, or `null` for a guest. */
  async account(userId: string): Promise<AccountRecord | null> {
    return (await this.#records.get<AccountRecord>(accountKey(userId)))
      ?.value ?? null;
  }

  /**
   * Throws `name_taken` unless `userId` may show as `name`: nobody else
   * claimed it.
   */
  async checkNameFree(name: string, userId: string): Promise<void> {
    const owner = await this.#records.get<NameRecord>(nameKey(name));
    if (owner && owner.value.id !== userId) throw nameTaken(name);
  }

  /**
   * Claims `user.name` for `user` with a password, or sets a new password
   * on the account. Resolves to the claimed user.
   */
  async claimWithPassword(user: User, password: unknown): Promise<User> {
    const checked = checkPassword(password);
    const hash = await hashPassword(checked, this.#iterations);
    const now = this.#now();
    return await this.#claim(
      user,
      // Replacing a password ends every session issued before it.
      (account) =>
        account.password === undefined
          ? { ...account, password: hash }
          : { ...account, password: hash, sessionsAfter: now },
    );
  }

  /**
   * Claims `user.name` for `user` when it is a guest's (as
   * {@linkcode claimWithPassword} does, with the same `name_taken`) and
   * applies `write` in the same atomic step: what proves the claim (a
   * passkey) is never stored without it, nor the claim without it. A check
   * of `write` that fails makes the claim fail (`unavailable`), so callers
   * check what they can first. Resolves to the claimed user.
   */
  async claimWith(user: User, write: RecordWrite): Promise<User> {
    return await this.#claim(user, (account) => account, write);
  }

  /** The id of the user who claimed `name`, or `null`. */
  async ownerOf(name: string): Promise<string | null> {
    return (await this.#records.get<NameRecord>(nameKey(name)))?.value.id ??
      null;
  }

  /**
   * Stores the account of `user` with `change` applied, claiming its name
   * first when it is a guest's, together with `extra`.
   */
  async #claim(
    user: User,
    change: (account: AccountRecord) => AccountRecord,
    extra: RecordWrite = {},
  ): Promise<User> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const [account, owner] = await this.#records.getMany<
        AccountRecord | NameRecord
      >([accountKey(user.id), nameKey(user.name)]);
      const current = account?.value as AccountRecord | undefined;
      const name = current?.name ?? user.name;
      if (!current && owner && (owner.value as NameRecord).id !== user.id) {
        throw nameTaken(name);
      }
      const next = change(current ?? { name, createdAt: this.#now() });
      const ok = await this.#records.write({
        checks: [
          { key: accountKey(user.id), version: account?.version ?? null },
          ...(current
            ? []
            : [{ key: nameKey(name), version: owner?.version ?? null }]),
          ...extra.checks ?? [],
        ],
        set: [
          { key: accountKey(user.id), value: next },
          ...(current ? [] : [{ key: nameKey(name), value: { id: user.id } }]),
          ...extra.set ?? [],
        ],
        delete: extra.delete,
      });
      if (ok) return { id: user.id, name: next.name, claimed: true };
    }
    throw new ProtocolError(
      "unavailable",
      "Cannot claim the name: it changed while claiming, try again",
    );
  }

  /**
   * Renames a user. A guest only checks that nobody claimed the new name; an
   * account moves its claim (the old name is free again).
   */
  async rename(user: User, name: string): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const [account, owner] = await this.#records.getMany<
        AccountRecord | NameRecord
      >([accountKey(user.id), nameKey(name)]);
      if (owner && (owner.value as NameRecord).id !== user.id) {
        throw nameTaken(name);
      }
      if (!account) return;
      const current = account.value as AccountRecord;
      const sameName = foldName(current.name) === foldName(name);
      const ok = await this.#records.write({
        checks: [
          { key: accountKey(user.id), version: account.version },
          { key: nameKey(name), version: owner?.version ?? null },
        ],
        set: [
          { key: accountKey(user.id), value: { ...current, name } },
          { key: nameKey(name), value: { id: user.id } },
        ],
        delete: sameName ? [] : [nameKey(current.name)],
      });
      if (ok) return;
    }
    throw new ProtocolError(
      "unavailable",
      "Cannot rename: the account changed while renaming, try again",
    );
  }

  /**
   * The user `name` and `password` sign in as, or `null`. An unknown name
   * costs the same time as a wrong password.
   */
  async passwordLogin(name: string, password: string): Promise<User | null> {
    const owner = await this.#records.get<NameRecord>(nameKey(name));
    const account = owner ? await this.account(owner.value.id) : null;
    const ok = await verifyPassword(password, account?.password ?? null);
    if (!ok || !owner || !account) return null;
    return { id: owner.value.id, name: account.name, claimed: true };
  }
}

/**
 * The user as others should see them: a claimed account's name and
 * `claimed: true`, or the guest as the token has it.
 */
export function presentUser(user: User, account: AccountRecord | null): User {
  return account
    ? { id: user.id, name: account.name, claimed: true }
    : { id: user.id, name: user.name };
}

/** The password of a claim, checked: a string of 8 to 1024 characters. */
export function checkPassword(password: unknown): string {
  if (
    typeof password !== "string" ||
    [...password].length < MIN_PASSWORD_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new ProtocolError(
      "bad_request",
      `A password is ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return password;
}

function nameTaken(name: string): ProtocolError {
  return new ProtocolError(
    "name_taken",
    `Cannot use the name "${name}": someone claimed it`,
  );
}
