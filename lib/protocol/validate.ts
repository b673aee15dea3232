/**
 * Validation of every name and value the contract limits. Each function takes
 * `unknown` (network input) and either returns the clean value or throws a
 * {@linkcode ProtocolError} with the contract's code.
 *
 * @module
 */
import { CLIENT_ID_PATTERN, LIMITS, ROOM_NAME_PATTERN } from "./limits.ts";
import { ProtocolError } from "./errors.ts";

// Control, format (bidi, zero-width), lone surrogate, line/paragraph separators.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// Text may hold tabs and line breaks; other C0 controls, DEL and lone
// surrogates cannot be shown or stored faithfully.
const FORBIDDEN_IN_TEXT =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\p{Cs}]/u;

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Whether `value` is a valid room name. */
export function isRoomName(value: unknown): value is string {
  return typeof value === "string" && ROOM_NAME_PATTERN.test(value);
}

/**
 * Returns `value` as a room name, or throws `room_invalid`.
 *
 * @example
 * ```ts
 * import { parseRoomName } from "./validate.ts";
 * console.assert(parseRoomName("general") === "general");
 * ```
 */
export function parseRoomName(value: unknown, ref?: string): string {
  if (isRoomName(value)) return value;
  const shown = typeof value === "string"
    ? JSON.stringify(value.slice(0, 80))
    : typeof value;
  throw new ProtocolError(
    "room_invalid",
    `Room ${shown} is invalid: use 1–64 of a-z, 0-9, "_" and "-", starting with a letter or digit`,
    { ref },
  );
}

/**
 * Returns the cleaned display name (trimmed, NFC) or throws `bad_request`.
 */
export function parseDisplayName(value: unknown, ref?: string): string {
  if (typeof value !== "string") {
    throw new ProtocolError("bad_request", "Name must be a string", { ref });
  }
  if (FORBIDDEN_IN_NAME.test(value.trim())) {
    throw new ProtocolError(
      "bad_request",
      "Name must not contain control, format or surrogate characters",
      { ref },
    );
  }
  const name = value.trim().normalize("NFC");
  const length = codePoints(name);
  if (length < 1 || length > LIMITS.maxNameChars) {
    throw new ProtocolError(
      "bad_request",
      `Name must be 1–${LIMITS.maxNameChars} characters, not ${length}`,
      { ref },
    );
  }
  return name;
}

/**
 * Returns the message text with trailing whitespace trimmed, or throws
 * `text_invalid`. Text is never truncated.
 */
export function parseMessageText(value: unknown, ref?: string): string {
  if (typeof value !== "string") {
    throw new ProtocolError("text_invalid", "Text must be a string", { ref });
  }
  const text = value.trimEnd();
  if (FORBIDDEN_IN_TEXT.test(text)) {
    throw new ProtocolError(
      "text_invalid",
      "Text must not contain control characters or lone surrogates",
      { ref },
    );
  }
  const length = codePoints(text);
  if (length < 1 || length > LIMITS.maxTextChars) {
    throw new ProtocolError(
      "text_invalid",
      `Text must be 1–${LIMITS.maxTextChars} characters after trimming, not ${length}`,
      { ref },
    );
  }
  return text;
}

/** Returns `value` as a client message id, or throws `bad_request`. */
export function parseClientId(value: unknown, ref?: string): string {
  if (typeof value === "string" && CLIENT_ID_PATTERN.test(value)) return value;
  throw new ProtocolError(
    "bad_request",
    `Message id must be 1–${LIMITS.maxIdChars} characters of A-Z, a-z, 0-9, "_" and "-"`,
    { ref },
  );
}

/** Returns `value` as a non-negative safe integer, or throws `bad_request`. */
export function parseSeq(value: unknown, field: string, ref?: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return value;
  }
  throw new ProtocolError(
    "bad_request",
    `"${field}" must be a non-negative integer`,
    { ref },
  );
}

/**
 * Returns `value` as a room epoch (opaque, 1–64 characters of
 * `[A-Za-z0-9_-]`, like a client id), or throws `bad_request`.
 */
export function parseEpoch(value: unknown, ref?: string): string {
  if (typeof value === "string" && CLIENT_ID_PATTERN.test(value)) return value;
  throw new ProtocolError(
    "bad_request",
    `"epoch" must be 1–64 characters of A-Z, a-z, 0-9, "_" and "-"`,
    { ref },
  );
}

/** Returns a history page size in 1–100, the default when absent. */
export function parseHistoryLimit(value: unknown, ref?: string): number {
  if (value === undefined) return LIMITS.historyDefault;
  if (
    typeof value === "number" && Number.isInteger(value) && value >= 1 &&
    value <= LIMITS.historyMax
  ) {
    return value;
  }
  throw new ProtocolError(
    "bad_request",
    `"limit" must be an integer from 1 to ${LIMITS.historyMax}`,
    { ref },
  );
}

/**
 * Parses a decimal query-string integer (`since`, `before`, `limit`), strictly:
 * no signs, spaces, exponents or fractions. Returns `undefined` when absent.
 */
export function parseQueryInt(
  raw: string | null,
  field: string,
): number | undefined {
  if (raw === null) return undefined;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  throw new ProtocolError(
    "bad_request",
    `"${field}" must be a non-negative integer`,
  );
}

/**
 * Returns `value` as the `seq` of a message (`target`, `replyTo`): a
 * positive safe integer, or throws `bad_request`. Whether that message
 * exists is storage's to say (`not_found`).
 */
export function parseTarget(
  value: unknown,
  field: string,
  ref?: string,
): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1) {
    return value;
  }
  throw new ProtocolError(
    "bad_request",
    `"${field}" must be the seq of a message (a positive integer)`,
    { ref },
  );
}

/** The most code points one emoji may have (the contract's limit). */
export const MAX_EMOJI_CODE_POINTS = 16;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
// A fully-qualified emoji of Unicode's recommended (RGI) set: flags,
// keycaps, skin tones, ZWJ families.
const RGI_EMOJI = /^\p{RGI_Emoji}$/v;
// Pictographs newer than the runtime's RGI list still count: a pictograph
// with optional presentation selector or skin tone, ZWJ-joined.
const PICTOGRAPH_SEQUENCE =
  /^\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?)*$/u;

/**
 * Returns `value` as one emoji grapheme of at most
 * {@linkcode MAX_EMOJI_CODE_POINTS} code points, or throws `bad_request`.
 *
 * @example
 * ```ts
 * import { parseEmoji } from "./validate.ts";
 * console.assert(parseEmoji("👍🏽") === "👍🏽");
 * ```
 */
export function parseEmoji(value: unknown, ref?: string): string {
  if (
    typeof value === "string" && value.length > 0 &&
    codePoints(value) <= MAX_EMOJI_CODE_POINTS &&
    isOneGrapheme(value) &&
    (RGI_EMOJI.test(value) || PICTOGRAPH_SEQUENCE.test(value))
  ) {
    return value;
  }
  throw new ProtocolError(
    "bad_request",
    `"emoji" must be one emoji (at most ${MAX_EMOJI_CODE_POINTS} code points)`,
    { ref },
  );
}

function isOneGrapheme(value: string): boolean {
  const iterator = graphemes.segment(value)[Symbol.iterator]();
  return !iterator.next().done && iterator.next().done === true;
}

/** Returns `value` as a boolean (`react.on`), or throws `bad_request`. */
export function parseFlag(
  value: unknown,
  field: string,
  ref?: string,
): boolean {
  if (typeof value === "boolean") return value;
  throw new ProtocolError("bad_request", `"${field}" must be true or false`, {
    ref,
  });
}
