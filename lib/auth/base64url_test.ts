import { deepEqual, equal } from "node:assert/strict";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("encodeBase64Url matches RFC 4648 test vectors, without padding", () => {
  const encode = (text: string) =>
    encodeBase64Url(new TextEncoder().encode(text));
  deepEqual(
    ["", "f", "fo", "foo", "foob", "fooba", "foobar"].map(encode),
    ["", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"],
  );
});

Deno.test("encodeBase64Url uses - and _ instead of + and /", () => {
  equal(encodeBase64Url(bytes(0xfb, 0xff, 0xbf)), "-_-_");
  equal(encodeBase64Url(bytes(0xff)), "_w");
  equal(encodeBase64Url(bytes(0xf8)), "-A");
});

Deno.test("decodeBase64Url round-trips every byte value and every length", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  for (let length = 0; length <= 256; length += 1) {
    const slice = all.slice(0, length);
    deepEqual(decodeBase64Url(encodeBase64Url(slice)), slice);
  }
  deepEqual(decodeBase64Url("-_-_"), bytes(0xfb, 0xff, 0xbf));
  deepEqual(decodeBase64Url(""), bytes());
});

Deno.test("decodeBase64Url refuses the standard alphabet, padding, spaces and bad lengths", () => {
  equal(decodeBase64Url("+/+/"), null);
  equal(decodeBase64Url("Zg=="), null);
  equal(decodeBase64Url("Zm 9v"), null);
  equal(decodeBase64Url("Zm9v\n"), null);
  equal(decodeBase64Url("Z"), null); // 6 bits cannot be a byte
  equal(decodeBase64Url("Zm9vY"), null);
  equal(decodeBase64Url("é"), null);
});

Deno.test("decodeBase64Url refuses non-canonical trailing bits", () => {
  // "Zg" is "f"; "Zh" carries the same byte with a non-zero padding bit.
  deepEqual(decodeBase64Url("Zg"), bytes(0x66));
  equal(decodeBase64Url("Zh"), null);
  equal(decodeBase64Url("Zm9"), null); // "Zm8" is "fo"
  deepEqual(decodeBase64Url("Zm8"), bytes(0x66, 0x6f));
});
