/**
 * The one table of WebSocket close codes and contract error codes, shared by
 * the server (which sends them) and the client (which acts on them): each
 * with what a client does next, so both sides agree in one place.
 *
 * @module
 */
import type { ErrorCode } from "./types.ts";

/** What a client does after a close code or an error code. */
export type Rule =
  /** Reconnect (or send again) at once: the server asked for it or restarted. */
  | "now"
  /** Reconnect (or send again with the same id) after the next backoff delay. */
  | "backoff"
  /** Back off at least {@linkcode LATER_MS}, or the `retryAfterMs` given. */
  | "later"
  /** Don't: nothing changes by trying again; a person has to act. */
  | "never"
  /** Say `hello` again without the token: a new identity with the same name. */
  | "rehello"
  /** Join the room again (with `since`), then send again. */
  | "rejoin";

/** The least wait for {@linkcode Rule} `"later"` without `retryAfterMs`. */
export const LATER_MS = 5_000;

/** One close code: its number and the client's rule. */
export interface CloseEntry {
  readonly code: number;
  readonly rule: Rule;
}

/** Close codes by name (the server closes with these; 4000 is the client's). */
export const CLOSE_TABLE = {
  /** Normal closure: the server ended the connection on purpose. */
  normal: { code: 1000, rule: "backoff" },
  /** Nothing received for the idle period (send `ping`): reconnect. */
  idle: { code: 1001, rule: "now" },
  /** Policy violation: bad Origin, repeated abuse, a revoked token. */
  policy: { code: 1008, rule: "never" },
  /** A frame over the size limit. */
  tooLarge: { code: 1009, rule: "backoff" },
  /** The server failed. */
  internal: { code: 1011, rule: "backoff" },
  /** The server is restarting: reconnect. */
  restarting: { code: 1012, rule: "now" },
  /** Overloaded, or the client is too slow: reconnect later with `since`. */
  overloaded: { code: 1013, rule: "later" },
  /** The client dropped this connection to open another (new token, dead link). */
  reconnect: { code: 4000, rule: "now" },
  /** No `hello` in time: connect again and say it. */
  helloTimeout: { code: 4001, rule: "now" },
  /**
   * The user (at `hello`) or the address (at the upgrade) holds as many
   * connections as the server allows. Later, not never: the count falls as
   * other tabs close, and a retry may reach another isolate, whose count is
   * its own (SSE's answer is `429 rate_limited`, the same rule).
   */
  tooManyConnections: { code: 4029, rule: "later" },
} as const satisfies Record<string, CloseEntry>;

/** A close code's name. */
export type CloseReason = keyof typeof CLOSE_TABLE;

/** Named close codes (`CloseCode.policy === 1008`). */
export const CloseCode: { readonly [K in CloseReason]: number } = Object
  .fromEntries(
    Object.entries(CLOSE_TABLE).map(([name, entry]) => [name, entry.code]),
  ) as { [K in CloseReason]: number };

const CLOSE_RULES = new Map<number, Rule>(
  Object.values(CLOSE_TABLE).map((entry) => [entry.code, entry.rule]),
);

/**
 * What a client does after its connection closed with `code`: codes not in
 * the table (1006, a failed connection, above all) back off.
 *
 * @example
 * ```ts
 * import { closeRule } from "./close_codes.ts";
 * console.assert(closeRule(1012) === "now" && closeRule(1006) === "backoff");
 * ```
 */
export function closeRule(code: number): Rule {
  return CLOSE_RULES.get(code) ?? "backoff";
}

/** One error code: its HTTP status and the client's rule. */
export interface ErrorEntry {
  readonly status: number;
  readonly rule: Rule;
}

/** The contract's error codes: HTTP status, and what a client does next. */
export const ERROR_TABLE: { readonly [K in ErrorCode]: ErrorEntry } = {
  bad_request: { status: 400, rule: "never" },
  room_invalid: { status: 400, rule: "never" },
  text_invalid: { status: 400, rule: "never" },
  not_joined: { status: 400, rule: "rejoin" },
  unauthenticated: { status: 401, rule: "rehello" },
  forbidden: { status: 403, rule: "never" },
  not_found: { status: 404, rule: "never" },
  name_taken: { status: 409, rule: "never" },
  too_large: { status: 413, rule: "never" },
  rate_limited: { status: 429, rule: "later" },
  slow_mode: { status: 429, rule: "later" },
  internal: { status: 500, rule: "never" },
  /** Storage or the engine is briefly unreachable: the same id again. */
  unavailable: { status: 503, rule: "backoff" },
};

/**
 * What a client does after an error with `code`; codes it does not know
 * (from a newer server) are final.
 */
export function errorRule(code: string): Rule {
  return Object.hasOwn(ERROR_TABLE, code)
    ? ERROR_TABLE[code as ErrorCode].rule
    : "never";
}
