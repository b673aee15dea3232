import { equal, match, notEqual } from "node:assert/strict";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  verifyPassword,
} from "./passwords.ts";

Deno.test("a hash verifies its password and no other", async () => {
  const hash = await hashPassword("correct horse", 1_000);
  match(hash, /^pbkdf2-sha256\$1000\$[\w-]{22}\$[\w-]{43}$/);
  equal(await verifyPassword("correct horse", hash), true);
  equal(await verifyPassword("correct horsE", hash), false);
  equal(await verifyPassword("", hash), false);
});

Deno.test("two hashes of one password differ (salted)", async () => {
  notEqual(
    await hashPassword("same", 1_000),
    await hashPassword("same", 1_000),
  );
});

Deno.test("new hashes use OWASP's iteration count", async () => {
  match(
    await hashPassword("pw"),
    new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`),
  );
});

Deno.test("an unknown name or a damaged hash never verifies", async () => {
  equal(await verifyPassword("x", null), false);
  equal(await verifyPassword("x", "pbkdf2-sha256$0$AAAA$AAAA"), false);
  equal(await verifyPassword("x", "md5$1$2$3"), false);
});

Deno.test("the password is compared after NFC", async () => {
  const hash = await hashPassword("Ren\u00e9-1234", 1_000);
  equal(await verifyPassword("Rene\u0301-1234", hash), true);
});
