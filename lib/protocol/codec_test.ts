import assert, { deepEqual, equal, throws } from "node:assert/strict";
import { decodeClientFrame } from "./codec.ts";
import { ProtocolError } from "./errors.ts";
import type { ErrorCode } from "./types.ts";

const long = (n: number, c = "a") => c.repeat(n);

/** Malformed client frames and the exact code each must get. */
const MALFORMED: Array<[name: string, frame: string, code: ErrorCode]> = [
  ["empty frame", "", "bad_request"],
  ["not JSON", "hello", "bad_request"],
  ["truncated JSON", '{"type":"ping"', "bad_request"],
  ["trailing garbage", '{"type":"ping"}x', "bad_request"],
  ["JSON null", "null", "bad_request"],
  ["JSON number", "42", "bad_request"],
  ["JSON string", '"ping"', "bad_request"],
  ["JSON array", '[{"type":"ping"}]', "bad_request"],
  ["JSON true", "true", "bad_request"],
  ["no type", "{}", "bad_request"],
  ["numeric type", '{"type":1}', "bad_request"],
  ["null type", '{"type":null}', "bad_request"],
  ["object type", '{"type":{"x":1}}', "bad_request"],
  ["unknown type", '{"type":"shout"}', "bad_request"],
  ["type case differs", '{"type":"PING"}', "bad_request"],
  [
    "__proto__ key",
    '{"type":"ping","__proto__":{"admin":true}}',
    "bad_request",
  ],
  [
    "constructor key",
    '{"type":"ping","constructor":{"prototype":{}}}',
    "bad_request",
  ],
  [
    "deep nesting",
    `{"type":"ping","x":${"[".repeat(5000)}${"]".repeat(5000)}}`,
    "bad_request",
  ],
  ["nesting beyond limit", '{"type":"ping","x":[[[[1]]]]}', "bad_request"],
  [
    "oversized frame",
    `{"type":"send","room":"a","id":"x","text":"${long(70_000)}"}`,
    "too_large",
  ],
  [
    "oversized multibyte",
    `{"type":"ping","x":"${long(22_000, "€")}"}`,
    "too_large",
  ],
  ["hello name empty", '{"type":"hello","name":""}', "bad_request"],
  ["hello name blank", '{"type":"hello","name":"   "}', "bad_request"],
  [
    "hello name too long",
    `{"type":"hello","name":"${long(33)}"}`,
    "bad_request",
  ],
  [
    "hello name control char",
    '{"type":"hello","name":"a\\u0007b"}',
    "bad_request",
  ],
  [
    "hello name bidi override",
    '{"type":"hello","name":"a\\u202eb"}',
    "bad_request",
  ],
  [
    "hello name zero-width",
    '{"type":"hello","name":"a\\u200bb"}',
    "bad_request",
  ],
  [
    "hello name lone surrogate",
    '{"type":"hello","name":"a\\ud800b"}',
    "bad_request",
  ],
  ["hello name number", '{"type":"hello","name":7}', "bad_request"],
  ["hello token number", '{"type":"hello","token":7}', "bad_request"],
  ["join without room", '{"type":"join"}', "room_invalid"],
  ["join room upper case", '{"type":"join","room":"General"}', "room_invalid"],
  ["join room with space", '{"type":"join","room":"a b"}', "room_invalid"],
  ["join room leading dash", '{"type":"join","room":"-a"}', "room_invalid"],
  [
    "join room too long",
    `{"type":"join","room":"${long(65)}"}`,
    "room_invalid",
  ],
  ["join room number", '{"type":"join","room":5}', "room_invalid"],
  [
    "join room path traversal",
    '{"type":"join","room":"../etc"}',
    "room_invalid",
  ],
  [
    "join since negative",
    '{"type":"join","room":"a","since":-1}',
    "bad_request",
  ],
  [
    "join since fraction",
    '{"type":"join","room":"a","since":1.5}',
    "bad_request",
  ],
  [
    "join since string",
    '{"type":"join","room":"a","since":"3"}',
    "bad_request",
  ],
  [
    "join since huge",
    '{"type":"join","room":"a","since":1e300}',
    "bad_request",
  ],
  ["leave bad room", '{"type":"leave","room":""}', "room_invalid"],
  ["read without seq", '{"type":"read","room":"a"}', "bad_request"],
  ["read negative seq", '{"type":"read","room":"a","seq":-1}', "bad_request"],
  ["read bad room", '{"type":"read","room":"A","seq":1}', "room_invalid"],
  ["visibility not boolean", '{"type":"visibility","hidden":1}', "bad_request"],
  ["watch not a list", '{"type":"watch","rooms":"a"}', "bad_request"],
  ["watch bad room", '{"type":"watch","rooms":["a","B"]}', "room_invalid"],
  [
    "watch too many",
    `{"type":"watch","rooms":${
      JSON.stringify(Array.from({ length: 101 }, (_, i) => "r" + i))
    }}`,
    "bad_request",
  ],
  ["typing bad room", '{"type":"typing","room":"A"}', "room_invalid"],
  ["send without id", '{"type":"send","room":"a","text":"hi"}', "bad_request"],
  [
    "send id too long",
    `{"type":"send","room":"a","id":"${long(65)}","text":"hi"}`,
    "bad_request",
  ],
  [
    "send id bad chars",
    '{"type":"send","room":"a","id":"a b","text":"hi"}',
    "bad_request",
  ],
  [
    "send id number",
    '{"type":"send","room":"a","id":12,"text":"hi"}',
    "bad_request",
  ],
  [
    "send bad room",
    '{"type":"send","room":"A","id":"x","text":"hi"}',
    "room_invalid",
  ],
  ["send without text", '{"type":"send","room":"a","id":"x"}', "text_invalid"],
  [
    "send replyTo zero",
    '{"type":"send","room":"a","id":"x","text":"hi","replyTo":0}',
    "bad_request",
  ],
  [
    "edit without target",
    '{"type":"edit","room":"a","id":"x","text":"hi"}',
    "bad_request",
  ],
  [
    "edit empty text",
    '{"type":"edit","room":"a","id":"x","target":1,"text":" "}',
    "text_invalid",
  ],
  [
    "delete without id",
    '{"type":"delete","room":"a","target":1}',
    "bad_request",
  ],
  [
    "delete target string",
    '{"type":"delete","room":"a","id":"x","target":"1"}',
    "bad_request",
  ],
  [
    "react two emoji",
    '{"type":"react","room":"a","id":"x","target":1,"emoji":"👍👍","on":true}',
    "bad_request",
  ],
  [
    "react without on",
    '{"type":"react","room":"a","id":"x","target":1,"emoji":"👍"}',
    "bad_request",
  ],
  [
    "send empty text",
    '{"type":"send","room":"a","id":"x","text":""}',
    "text_invalid",
  ],
  [
    "send whitespace text",
    '{"type":"send","room":"a","id":"x","text":" \\n\\t "}',
    "text_invalid",
  ],
  [
    "send text too long",
    `{"type":"send","room":"a","id":"x","text":"${long(4001)}"}`,
    "text_invalid",
  ],
  [
    "send text number",
    '{"type":"send","room":"a","id":"x","text":5}',
    "text_invalid",
  ],
  [
    "send text array",
    '{"type":"send","room":"a","id":"x","text":["hi"]}',
    "text_invalid",
  ],
  [
    "send text NUL",
    '{"type":"send","room":"a","id":"x","text":"a\\u0000b"}',
    "text_invalid",
  ],
  [
    "send text lone surrogate",
    '{"type":"send","room":"a","id":"x","text":"\\udc00"}',
    "text_invalid",
  ],
  [
    "history limit zero",
    '{"type":"history","room":"a","limit":0}',
    "bad_request",
  ],
  [
    "history limit too big",
    '{"type":"history","room":"a","limit":101}',
    "bad_request",
  ],
  [
    "history limit string",
    '{"type":"history","room":"a","limit":"10"}',
    "bad_request",
  ],
  [
    "history before negative",
    '{"type":"history","room":"a","before":-5}',
    "bad_request",
  ],
  ["history bad room", '{"type":"history","room":"!"}', "room_invalid"],
];

Deno.test("decodeClientFrame: at least 40 malformed frames, each with its exact code", () => {
  assert(MALFORMED.length >= 40);
  for (const [name, frame, code] of MALFORMED) {
    throws(
      () => decodeClientFrame(frame),
      (error: unknown) => {
        if (!(error instanceof ProtocolError)) {
          throw new Error(`${name}: not a ProtocolError: ${error}`);
        }
        equal(
          error.code,
          code,
          `${name}: expected ${code}, got ${error.code} (${error.message})`,
        );
        return true;
      },
      name,
    );
  }
});

Deno.test("decodeClientFrame: refers errors to the offending id or type", () => {
  const refOf = (frame: string) => {
    try {
      decodeClientFrame(frame);
    } catch (error) {
      return (error as ProtocolError).ref;
    }
  };
  equal(refOf('{"type":"send","room":"a","id":"m1","text":""}'), "m1");
  equal(refOf('{"type":"shout"}'), "shout");
  equal(refOf('{"type":"join","room":"A"}'), "join");
});

Deno.test("decodeClientFrame: accepts every valid frame type", () => {
  deepEqual(decodeClientFrame('{"type":"hello"}'), { type: "hello" });
  deepEqual(
    decodeClientFrame('{"type":"hello","name":"  Zoë  ","token":"t"}'),
    {
      type: "hello",
      name: "Zoë",
      token: "t",
    },
  );
  deepEqual(decodeClientFrame('{"type":"join","room":"general","since":0}'), {
    type: "join",
    room: "general",
    since: 0,
  });
  deepEqual(decodeClientFrame('{"type":"leave","room":"a_b-c"}'), {
    type: "leave",
    room: "a_b-c",
  });
  deepEqual(
    decodeClientFrame(
      '{"type":"send","room":"a","id":"x-1_Z","text":"hi  \\n"}',
    ),
    {
      type: "send",
      room: "a",
      id: "x-1_Z",
      text: "hi",
    },
  );
  deepEqual(decodeClientFrame('{"type":"typing","room":"a"}'), {
    type: "typing",
    room: "a",
  });
  deepEqual(decodeClientFrame('{"type":"history","room":"a"}'), {
    type: "history",
    room: "a",
    limit: 50,
  });
  deepEqual(
    decodeClientFrame('{"type":"history","room":"a","before":9,"limit":100}'),
    {
      type: "history",
      room: "a",
      before: 9,
      limit: 100,
    },
  );
  deepEqual(decodeClientFrame('{"type":"ping","extra":"ignored"}'), {
    type: "ping",
  });
  deepEqual(
    decodeClientFrame(
      '{"type":"send","room":"a","id":"r","text":"re","replyTo":4}',
    ),
    { type: "send", room: "a", id: "r", text: "re", replyTo: 4 },
  );
  deepEqual(
    decodeClientFrame(
      '{"type":"edit","room":"a","id":"e","target":4,"text":"fixed "}',
    ),
    { type: "edit", room: "a", id: "e", target: 4, text: "fixed" },
  );
  deepEqual(
    decodeClientFrame('{"type":"delete","room":"a","id":"d","target":4}'),
    { type: "delete", room: "a", id: "d", target: 4 },
  );
  deepEqual(
    decodeClientFrame(
      '{"type":"react","room":"a","id":"k","target":4,"emoji":"👍🏽","on":false}',
    ),
    { type: "react", room: "a", id: "k", target: 4, emoji: "👍🏽", on: false },
  );
  deepEqual(decodeClientFrame('{"type":"read","room":"a","seq":7}'), {
    type: "read",
    room: "a",
    seq: 7,
  });
  deepEqual(decodeClientFrame('{"type":"visibility","hidden":true}'), {
    type: "visibility",
    hidden: true,
  });
  deepEqual(decodeClientFrame('{"type":"watch","rooms":["a","b","a"]}'), {
    type: "watch",
    rooms: ["a", "b"],
  });
});

Deno.test("decodeClientFrame: text of exactly 4000 characters and names of 32 pass", () => {
  const frame = decodeClientFrame(
    JSON.stringify({
      type: "send",
      room: "a",
      id: "x",
      text: long(3999) + "😀",
    }),
  );
  equal(frame.type === "send" && [...frame.text].length, 4000);
  const hello = decodeClientFrame(
    JSON.stringify({ type: "hello", name: long(32) }),
  );
  equal(hello.type === "hello" && hello.name, long(32));
});
