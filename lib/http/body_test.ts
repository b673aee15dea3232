import assert, { deepEqual, equal, rejects } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { readBodyText, readForm, readJsonObject } from "./body.ts";

const LIMIT = 64 * 1024;

function post(body: BodyInit | null, headers: Record<string, string> = {}) {
  return new Request("http://localhost/api/session", {
    method: "POST",
    body,
    headers,
  });
}

/** A body streamed in chunks, recording whether the reader cancelled it. */
function streamed(chunks: Uint8Array[]) {
  const state = { cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

function isCode(code: string, message?: string) {
  return (error: unknown) => {
    assert(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
    equal(error.code, code);
    if (message !== undefined) equal(error.message, message);
    return true;
  };
}

Deno.test("a body of exactly 64 KiB is read whole", async () => {
  const text = "x".repeat(LIMIT);
  equal(await readBodyText(post(text)), text);
  const { stream } = streamed([
    new Uint8Array(LIMIT / 2).fill(0x61),
    new Uint8Array(LIMIT / 2).fill(0x62),
  ]);
  equal(
    await readBodyText(post(stream)),
    "a".repeat(LIMIT / 2) + "b".repeat(LIMIT / 2),
  );
});

Deno.test("a declared content-length over 64 KiB is too_large before reading", async () => {
  const { stream } = streamed([new TextEncoder().encode("{}")]);
  const req = post(stream, { "content-length": String(LIMIT + 1) });
  await rejects(
    readBodyText(req),
    isCode("too_large", "Body exceeds 65536 bytes"),
  );
  equal(req.bodyUsed, false);
});

Deno.test("a streamed body over 64 KiB is too_large and the stream is cancelled", async () => {
  const { stream, state } = streamed([
    new Uint8Array(LIMIT),
    new Uint8Array(1),
    new Uint8Array(LIMIT),
  ]);
  await rejects(readBodyText(post(stream)), isCode("too_large"));
  equal(state.cancelled, true);
  // A string body one byte over is refused too (multi-byte characters count as bytes).
  await rejects(
    readBodyText(post("é".repeat(LIMIT / 2) + "x")),
    isCode("too_large"),
  );
});

Deno.test("an empty or absent body reads as the empty string", async () => {
  equal(await readBodyText(post(null)), "");
  equal(await readBodyText(post("")), "");
  equal(await readBodyText(new Request("http://localhost/")), "");
});

Deno.test("UTF-8 is decoded; invalid UTF-8 is bad_request", async () => {
  equal(await readBodyText(post("Zoë 😀")), "Zoë 😀");
  for (
    const bytes of [[0xff], [0xc3], [0x61, 0xed, 0xa0, 0x80], [0xc0, 0xaf]]
  ) {
    await rejects(
      readBodyText(post(new Uint8Array(bytes))),
      isCode("bad_request", "Body is not valid UTF-8"),
    );
  }
});

Deno.test("readJsonObject returns a plain object", async () => {
  deepEqual(await readJsonObject(post('{"name":"alice","n":[1,{"a":[]}]}')), {
    name: "alice",
    n: [1, { a: [] }],
  });
  // Brackets inside strings, and escaped quotes, do not count as nesting.
  deepEqual(await readJsonObject(post('{"text":"[[[[[{{{{\\"[[[[[["}')), {
    text: '[[[[[{{{{"[[[[[[',
  });
});

Deno.test("readJsonObject refuses nesting deeper than 4", async () => {
  deepEqual(await readJsonObject(post('{"a":{"b":{"c":{"d":1}}}}')), {
    a: { b: { c: { d: 1 } } },
  });
  await rejects(
    readJsonObject(post('{"a":{"b":{"c":{"d":{"e":1}}}}}')),
    isCode("bad_request", "Body is nested too deeply"),
  );
  await rejects(
    readJsonObject(post("[".repeat(10_000) + "]".repeat(10_000))),
    isCode("bad_request", "Body is nested too deeply"),
  );
});

Deno.test("readJsonObject refuses __proto__ and constructor keys", async () => {
  for (const body of ['{"__proto__":{"admin":true}}', '{"constructor":{}}']) {
    await rejects(
      readJsonObject(post(body)),
      isCode("bad_request", "Body has a forbidden key"),
    );
  }
  equal(({} as Record<string, unknown>).admin, undefined);
});

Deno.test("readJsonObject refuses what is not a JSON object", async () => {
  for (const body of ["[]", "null", "42", '"text"', "true"]) {
    await rejects(
      readJsonObject(post(body)),
      isCode("bad_request", "Body must be a JSON object"),
    );
  }
  for (const body of ["", "{", "{'a':1}", '{"a":1,}', "name=alice"]) {
    await rejects(
      readJsonObject(post(body)),
      isCode("bad_request", "Body is not valid JSON"),
    );
  }
});

Deno.test("readForm parses a urlencoded form within the limit", async () => {
  const form = await readForm(post("text=hello+world%21&name=Zo%C3%AB"));
  equal(form.get("text"), "hello world!");
  equal(form.get("name"), "Zoë");
  await rejects(
    readForm(post("text=" + "x".repeat(LIMIT))),
    isCode("too_large"),
  );
});
