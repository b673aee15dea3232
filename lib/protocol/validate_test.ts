import assert, { deepEqual, equal, throws } from "node:assert/strict";
import { ProtocolError } from "./errors.ts";
import {
  isRoomName,
  parseClientId,
  parseDisplayName,
  parseEmoji,
  parseFlag,
  parseHistoryLimit,
  parseMessageText,
  parseQueryInt,
  parseRoomName,
  parseSeq,
  parseTarget,
} from "./validate.ts";

/** Asserts that `fn` throws a ProtocolError with `code` (and `ref`, if given). */
function throwsCode(fn: () => unknown, code: string, ref?: string): void {
  throws(fn, (error: unknown) => {
    assert(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
    equal(error.code, code);
    if (ref !== undefined) equal(error.ref, ref);
    return true;
  });
}

Deno.test("parseRoomName accepts 1 to 64 characters of a-z, 0-9, _ and -", () => {
  equal(parseRoomName("general"), "general");
  equal(parseRoomName("a"), "a");
  equal(parseRoomName("0"), "0");
  equal(parseRoomName("room_1-b"), "room_1-b");
  equal(parseRoomName("a_"), "a_");
  const sixtyFour = "r" + "x".repeat(63);
  equal(sixtyFour.length, 64);
  equal(parseRoomName(sixtyFour), sixtyFour);
});

Deno.test("parseRoomName refuses 65 characters, a leading _ or -, capitals and non-strings", () => {
  throwsCode(() => parseRoomName("r" + "x".repeat(64)), "room_invalid");
  throwsCode(() => parseRoomName("_general"), "room_invalid");
  throwsCode(() => parseRoomName("-general"), "room_invalid");
  throwsCode(() => parseRoomName("General"), "room_invalid");
  throwsCode(() => parseRoomName(""), "room_invalid");
  throwsCode(() => parseRoomName("a b"), "room_invalid");
  throwsCode(() => parseRoomName("a.b"), "room_invalid");
  throwsCode(() => parseRoomName("é"), "room_invalid");
  throwsCode(() => parseRoomName("general\n"), "room_invalid");
  throwsCode(() => parseRoomName(42), "room_invalid");
  throwsCode(() => parseRoomName(null), "room_invalid");
  throwsCode(() => parseRoomName(undefined, "join"), "room_invalid", "join");
});

Deno.test("isRoomName is the boolean form of the same rule", () => {
  equal(isRoomName("general"), true);
  equal(isRoomName("x".repeat(64)), true);
  equal(isRoomName("x".repeat(65)), false);
  equal(isRoomName("_x"), false);
  equal(isRoomName(["general"]), false);
});

Deno.test("parseDisplayName trims and normalises to NFC", () => {
  equal(parseDisplayName("  alice \t"), "alice");
  const composed = parseDisplayName("Rene\u0301");
  equal(composed, "Ren\u00e9");
  equal(composed.length, 4);
  equal(parseDisplayName("e\u0301"), "\u00e9");
  // Inner spaces stay.
  equal(parseDisplayName("Mary Ann"), "Mary Ann");
});

Deno.test("parseDisplayName counts code points: 32 emoji pass, 33 do not", () => {
  const thirtyTwo = "😀".repeat(32);
  equal(thirtyTwo.length, 64); // UTF-16 units
  equal(parseDisplayName(thirtyTwo), thirtyTwo);
  throwsCode(() => parseDisplayName("😀".repeat(33)), "bad_request");
  equal(parseDisplayName("a".repeat(32)), "a".repeat(32));
  throwsCode(() => parseDisplayName("a".repeat(33)), "bad_request");
  // Surrounding spaces do not count.
  equal(parseDisplayName("  " + "a".repeat(32) + "  "), "a".repeat(32));
  // Length is measured after NFC: 32 decomposed "é" are 64 code points before.
  equal(parseDisplayName("e\u0301".repeat(32)), "\u00e9".repeat(32));
});

Deno.test("parseDisplayName refuses empty, control, format and surrogate characters", () => {
  throwsCode(() => parseDisplayName(""), "bad_request");
  throwsCode(() => parseDisplayName("   "), "bad_request");
  throwsCode(() => parseDisplayName("al\u0000ice"), "bad_request");
  throwsCode(() => parseDisplayName("al\nice"), "bad_request");
  throwsCode(() => parseDisplayName("al\tice"), "bad_request");
  throwsCode(() => parseDisplayName("al\u007fice"), "bad_request");
  throwsCode(() => parseDisplayName("\u202Eecila"), "bad_request"); // RLO
  throwsCode(() => parseDisplayName("al\u200Fice"), "bad_request"); // RLM
  throwsCode(() => parseDisplayName("al\u2066ice"), "bad_request"); // LRI
  throwsCode(() => parseDisplayName("al\u200Bice"), "bad_request"); // ZWSP
  throwsCode(() => parseDisplayName("al\u200Dice"), "bad_request"); // ZWJ
  throwsCode(() => parseDisplayName("al\u2028ice"), "bad_request"); // LS
  throwsCode(() => parseDisplayName("al\uD800ice"), "bad_request"); // lone high
  throwsCode(() => parseDisplayName("al\uDC00ice"), "bad_request"); // lone low
  throwsCode(() => parseDisplayName(42), "bad_request");
  throwsCode(() => parseDisplayName(null, "hello"), "bad_request", "hello");
});

Deno.test("parseMessageText trims trailing whitespace only and keeps tabs and newlines", () => {
  equal(parseMessageText("  hello  \n\t "), "  hello");
  equal(
    parseMessageText("line 1\nline 2\r\n\tindented"),
    "line 1\nline 2\r\n\tindented",
  );
  equal(parseMessageText("a\tb"), "a\tb");
  equal(parseMessageText("\u202Eok"), "\u202Eok");
  equal(parseMessageText("😀"), "😀");
});

Deno.test("parseMessageText takes 4000 code points and refuses 4001, never truncating", () => {
  const max = "x".repeat(4000);
  equal(parseMessageText(max), max);
  equal(parseMessageText(max + "   \n"), max);
  const emoji = "😀".repeat(4000);
  equal(parseMessageText(emoji), emoji);
  throwsCode(() => parseMessageText("x".repeat(4001)), "text_invalid");
  throwsCode(() => parseMessageText("😀".repeat(4001)), "text_invalid");
  throwsCode(() => parseMessageText(" " + max), "text_invalid");
});

Deno.test("parseMessageText refuses empty text, controls and lone surrogates", () => {
  throwsCode(() => parseMessageText(""), "text_invalid");
  throwsCode(() => parseMessageText(" \n\t "), "text_invalid");
  throwsCode(() => parseMessageText("a\u0000b"), "text_invalid");
  throwsCode(() => parseMessageText("a\u0007b"), "text_invalid");
  throwsCode(() => parseMessageText("a\u000Bb"), "text_invalid");
  throwsCode(() => parseMessageText("a\u001Bb"), "text_invalid");
  throwsCode(() => parseMessageText("a\u007Fb"), "text_invalid");
  throwsCode(() => parseMessageText("a\uD83Db"), "text_invalid");
  throwsCode(() => parseMessageText(7, "m1"), "text_invalid", "m1");
});

Deno.test("parseClientId takes 1 to 64 of [A-Za-z0-9_-]", () => {
  equal(parseClientId("a"), "a");
  equal(
    parseClientId("c1f0e2d4-1111-4a2b-9c3d-0123456789ab"),
    "c1f0e2d4-1111-4a2b-9c3d-0123456789ab",
  );
  equal(
    parseClientId("A_z-9".repeat(12) + "abcd"),
    "A_z-9".repeat(12) + "abcd",
  );
  throwsCode(() => parseClientId("x".repeat(65)), "bad_request");
  throwsCode(() => parseClientId(""), "bad_request");
  throwsCode(() => parseClientId("a b"), "bad_request");
  throwsCode(() => parseClientId("a.b"), "bad_request");
  throwsCode(() => parseClientId("ü"), "bad_request");
  throwsCode(() => parseClientId(12, "send"), "bad_request", "send");
});

Deno.test("parseSeq takes non-negative safe integers only", () => {
  equal(parseSeq(0, "since"), 0);
  equal(parseSeq(42, "since"), 42);
  equal(parseSeq(Number.MAX_SAFE_INTEGER, "since"), Number.MAX_SAFE_INTEGER);
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, "1", null, undefined]) {
    throwsCode(() => parseSeq(bad, "since"), "bad_request");
  }
  throws(
    () => parseSeq(-1, "before"),
    /"before" must be a non-negative integer/,
  );
});

Deno.test("parseHistoryLimit defaults to 50 and takes 1 to 100", () => {
  equal(parseHistoryLimit(undefined), 50);
  equal(parseHistoryLimit(1), 1);
  equal(parseHistoryLimit(100), 100);
  for (const bad of [0, 101, -1, 1.5, "10", null, NaN]) {
    throwsCode(() => parseHistoryLimit(bad), "bad_request");
  }
});

Deno.test("parseQueryInt is strictly decimal digits", () => {
  equal(parseQueryInt(null, "since"), undefined);
  equal(parseQueryInt("0", "since"), 0);
  equal(parseQueryInt("42", "since"), 42);
  equal(parseQueryInt("007", "since"), 7);
  equal(parseQueryInt("999999999999999", "since"), 999999999999999);
  const refused = [
    "-1",
    "+1",
    "1.5",
    "1e3",
    " 1",
    "1 ",
    "",
    "0x10",
    "١",
    "1000000000000000",
  ];
  deepEqual(
    refused.filter((raw) => {
      try {
        parseQueryInt(raw, "since");
        return true;
      } catch (error) {
        return !(error instanceof ProtocolError &&
          error.code === "bad_request");
      }
    }),
    [],
  );
  throws(
    () => parseQueryInt("x", "limit"),
    /"limit" must be a non-negative integer/,
  );
});

Deno.test("parseEmoji accepts one emoji grapheme: skin tones, flags, keycaps, ZWJ sequences", () => {
  for (const emoji of ["👍", "👍🏽", "🇫🇷", "1️⃣", "👨‍👩‍👧", "🏳️‍🌈", "☺️", "❤"]) {
    equal(parseEmoji(emoji), emoji);
  }
});

Deno.test("parseEmoji refuses text, two emoji, padding, lone joiners and non-strings", () => {
  for (
    const bad of [
      "a",
      "",
      "👍👍",
      " 👍",
      "👍 ",
      "\u200d",
      "#",
      "ok",
      "👍\u0000",
    ]
  ) {
    throwsCode(() => parseEmoji(bad, "r1"), "bad_request", "r1");
  }
  throwsCode(() => parseEmoji(1), "bad_request");
  throwsCode(() => parseEmoji(null), "bad_request");
  // Seventeen code points, however joined, are too many.
  throwsCode(() => parseEmoji("👨‍👩‍👧‍👦".repeat(3)), "bad_request");
});

Deno.test("parseTarget takes a positive integer seq; parseFlag a boolean", () => {
  equal(parseTarget(7, "target"), 7);
  for (const bad of [0, -1, 1.5, "3", null, undefined, 2 ** 60]) {
    throwsCode(() => parseTarget(bad, "target", "x"), "bad_request", "x");
  }
  equal(parseFlag(true, "on"), true);
  equal(parseFlag(false, "on"), false);
  throwsCode(() => parseFlag("true", "on"), "bad_request");
  throwsCode(() => parseFlag(1, "on"), "bad_request");
});
