/**
 * The outbox: messages the person wrote that the server has not yet
 * acknowledged. Kept in `localStorage` so they survive a reload or a crash,
 * and sent again with their original ids (the server stores a repeated id
 * once), so nothing typed is lost or doubled.
 *
 * @module
 */

/** Where an unacknowledged message stands. */
export type OutboxState =
  /** Waiting for a connection (or for its room to be joined). */
  | "queued"
  /** Sent on the current connection, no ack yet. */
  | "sending"
  /** Refused by the server, or no ack in time: waits for a retry. */
  | "failed";

/**
 * A change to an earlier message that an entry carries instead of a new
 * message: an edit (the new text is the entry's `text`), a deletion, or a
 * reaction added (`on`) or removed.
 */
export type OutboxChange =
  | { type: "edit"; target: number }
  | { type: "delete"; target: number }
  | { type: "react"; target: number; emoji: string; on: boolean };

/** One unacknowledged message, or change to a message. */
export interface OutboxEntry {
  room: string;
  /** The client id, reused on every retry. */
  id: string;
  /** The message's text (an edit's new text; empty for other changes). */
  text: string;
  /** A new message: the `seq` of the message it replies to. */
  replyTo?: number;
  /** Absent for a new message. */
  change?: OutboxChange;
  /** Local clock when written (epoch ms), for ordering and display. */
  createdAt: number;
  state: OutboxState;
  /** Why it failed, for display. */
  error?: string;
  /** The failure's code: a contract error code, or `timeout` (no ack in time). */
  code?: string;
}

/** The part of `Storage` the outbox uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The default storage key. */
export const OUTBOX_KEY = "chat.outbox.v1";

interface Stored {
  room: string;
  id: string;
  text: string;
  createdAt: number;
  replyTo?: number;
  change?: OutboxChange;
  failed?: string;
  code?: string;
}

function isChange(v: unknown): v is OutboxChange {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  if (typeof c.target !== "number") return false;
  return c.type === "edit" || c.type === "delete" ||
    (c.type === "react" && typeof c.emoji === "string" &&
      typeof c.on === "boolean");
}

function isStored(v: unknown): v is Stored {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.room === "string" && typeof s.id === "string" &&
    typeof s.text === "string" && typeof s.createdAt === "number" &&
    (s.replyTo === undefined || typeof s.replyTo === "number") &&
    (s.change === undefined || isChange(s.change)) &&
    (s.failed === undefined || typeof s.failed === "string") &&
    (s.code === undefined || typeof s.code === "string");
}

/**
 * The outbox of one page, mirrored to storage on every change. Entries
 * written by other tabs are picked up by {@linkcode Outbox.reload}.
 */
export class Outbox {
  readonly #storage: StorageLike | null;
  readonly #key: string;
  #entries = new Map<string, OutboxEntry>();
  /** Ids this page removed, so a merge with storage does not bring them back. */
  readonly #removed = new Set<string>();

  /** `storage` may be `null` (private mode, no storage): memory only. */
  constructor(storage: StorageLike | null, key: string = OUTBOX_KEY) {
    this.#storage = storage;
    this.#key = key;
    this.reload();
  }

  /**
   * Re-reads storage, keeping the in-memory state of entries it still has
   * and adding ones written elsewhere (as `queued`, or `failed`).
   */
  reload(): void {
    const next = new Map<string, OutboxEntry>();
    for (const s of this.#read()) {
      if (this.#removed.has(s.id)) continue;
      const mine = this.#entries.get(s.id);
      next.set(
        s.id,
        mine ?? fromStored(s),
      );
    }
    this.#entries = next;
  }

  /** The entries of `room` (all rooms when omitted), oldest first. */
  list(room?: string): OutboxEntry[] {
    const all = [...this.#entries.values()].filter((e) =>
      room === undefined || e.room === room
    );
    return all.sort((a, b) =>
      a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)
    );
  }

  /** The entry with this id. */
  get(id: string): OutboxEntry | undefined {
    return this.#entries.get(id);
  }

  /** Adds an entry (as `queued`) and persists it. */
  add(entry: Omit<OutboxEntry, "state" | "error" | "code">): OutboxEntry {
    const added: OutboxEntry = { ...entry, state: "queued" };
    this.#entries.set(entry.id, added);
    this.#write();
    return added;
  }

  /**
   * Changes an entry's state (`error` and `code` describe a failure);
   * persists when the failure changes.
   */
  setState(
    id: string,
    state: OutboxState,
    error?: string,
    code?: string,
  ): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const failed = state === "failed";
    const next: OutboxEntry = {
      ...entry,
      state,
      error: failed ? error : undefined,
      code: failed ? code : undefined,
    };
    const persist = (entry.state === "failed") !== failed ||
      entry.error !== next.error || entry.code !== next.code;
    this.#entries.set(id, next);
    if (persist) this.#write();
  }

  /** Removes an entry (acknowledged, or discarded); `true` when it was there. */
  remove(id: string): boolean {
    if (!this.#entries.delete(id)) return false;
    this.#removed.add(id);
    this.#write();
    return true;
  }

  #read(): Stored[] {
    if (!this.#storage) return [...this.#entries.values()].map(toStored);
    try {
      const raw = this.#storage.getItem(this.#key);
      if (!raw) return [];
      const value: unknown = JSON.parse(raw);
      return Array.isArray(value) ? value.filter(isStored) : [];
    } catch {
      return [];
    }
  }

  #write(): void {
    if (!this.#storage) return;
    // Merge with what other tabs wrote since: only this page's changes apply.
    const stored = new Map(this.#read().map((s) => [s.id, s]));
    for (const e of this.#entries.values()) stored.set(e.id, toStored(e));
    for (const id of this.#removed) stored.delete(id);
    try {
      if (stored.size === 0) {
        this.#storage.removeItem(this.#key);
      } else {
        this.#storage.setItem(this.#key, JSON.stringify([...stored.values()]));
      }
    } catch {
      // Storage full or denied: the outbox still works for this page.
    }
  }
}

function fromStored(s: Stored): OutboxEntry {
  const entry: OutboxEntry = {
    room: s.room,
    id: s.id,
    text: s.text,
    createdAt: s.createdAt,
    state: s.failed === undefined ? "queued" : "failed",
    error: s.failed,
    code: s.code,
  };
  if (s.replyTo !== undefined) entry.replyTo = s.replyTo;
  if (s.change) entry.change = s.change;
  return entry;
}

function toStored(e: OutboxEntry): Stored {
  const s: Stored = {
    room: e.room,
    id: e.id,
    text: e.text,
    createdAt: e.createdAt,
  };
  if (e.replyTo !== undefined) s.replyTo = e.replyTo;
  if (e.change) s.change = e.change;
  if (e.state === "failed") {
    s.failed = e.error ?? "failed";
    if (e.code !== undefined) s.code = e.code;
  }
  return s;
}
