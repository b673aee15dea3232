import { deepEqual, equal, notDeepEqual } from "node:assert/strict";
import { loadSecret } from "./secret.ts";

Deno.test("a generated secret is 32 bytes, kept in KV and returned again", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const first = await loadSecret(kv, undefined);
    equal(first.byteLength, 32);
    notDeepEqual(first, new Uint8Array(32));
    const second = await loadSecret(kv, undefined);
    deepEqual(second, first);
    const stored = await kv.get<Uint8Array>(["config", "token-secret"]);
    deepEqual(new Uint8Array(stored.value!), first);
  } finally {
    kv.close();
  }
});

Deno.test("the secret survives reopening the database", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  try {
    const kv1 = await Deno.openKv(path);
    const first = await loadSecret(kv1, undefined);
    kv1.close();
    const kv2 = await Deno.openKv(path);
    const again = await loadSecret(kv2, undefined);
    kv2.close();
    deepEqual(again, first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two handles on one file racing loadSecret get the same bytes", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite`;
  const handles = await Promise.all(
    Array.from({ length: 4 }, () => Deno.openKv(path)),
  );
  try {
    const secrets = await Promise.all(
      handles.flatMap((kv) => [
        loadSecret(kv, undefined),
        loadSecret(kv, undefined),
      ]),
    );
    for (const secret of secrets) {
      equal(secret.byteLength, 32);
      deepEqual(secret, secrets[0]);
    }
    const stored = await handles[0].get<Uint8Array>(["config", "token-secret"]);
    deepEqual(new Uint8Array(stored.value!), secrets[0]);
  } finally {
    for (const kv of handles) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CHAT_SECRET derives 32 bytes deterministically (SHA-256) and writes nothing", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = await loadSecret(kv, "correct horse battery staple");
    const b = await loadSecret(kv, "correct horse battery staple");
    equal(a.byteLength, 32);
    deepEqual(a, b);
    const expected = new Uint8Array(
      await crypto.subtle.digest(
        "SHA-256",
        new TextEncoder().encode("correct horse battery staple"),
      ),
    );
    deepEqual(a, expected);
    notDeepEqual(await loadSecret(kv, "another"), a);
    equal((await kv.get(["config", "token-secret"])).value, null);
  } finally {
    kv.close();
  }
});
