/**
 * Protocol errors: a code from the contract, a human message, and the HTTP
 * status the code maps to.
 *
 * @module
 */
import type { ErrorCode } from "./types.ts";
import { ERROR_TABLE } from "./close_codes.ts";

/**
 * An error the client caused (or, for `internal`, that the server did) that
 * is reported to the client with a contract error code.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * const err = new ProtocolError("room_invalid", 'Cannot join room "A": name is invalid');
 * console.assert(err.status === 400);
 * ```
 */
export class ProtocolError extends Error {
  /** The contract's error code. */
  readonly code: ErrorCode;
  /** The client `id` or `type` the error refers to, when known. */
  readonly ref?: string;
  /** For `rate_limited`: how long to wait before trying again. */
  readonly retryAfterMs?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { ref?: string; retryAfterMs?: number },
  ) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.ref = options?.ref;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** The HTTP status this error answers with. */
  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

/** The HTTP status for a contract error code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].status;
}
