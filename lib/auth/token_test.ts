import assert, { deepEqual, equal, match, rejects } from "node:assert/strict";
import { newUserId, type TokenClaims, TokenSigner } from "./token.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

const secretA = new Uint8Array(32).fill(7);
const secretB = new Uint8Array(32).fill(8);
const alice = { id: "u_alice", name: "alice" };

/** Replaces the character at `index` with a different base64url one that decodes differently. */
/** Who a verified token names, without when it was issued. */
function who(claims: TokenClaims | null) {
  if (!claims) return null;
  const { issuedAt: _, ...rest } = claims;
  return rest;
}

function flip(token: string, index: number): string {
  const swapped = token[index] === "A" ? "Q" : "A";
  return token.slice(0, index) + swapped + token.slice(index + 1);
}

Deno.test("a signed token verifies to the same user", async () => {
  const signer = await TokenSigner.create(secretA);
  const token = await signer.sign(alice);
  match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  deepEqual(who(await signer.verify(token)), alice);
  // A fresh signer with the same secret (another isolate) accepts it too.
  const other = await TokenSigner.create(new Uint8Array(secretA));
  deepEqual(who(await other.verify(token)), alice);
});

Deno.test("a unicode name survives the round trip", async () => {
  const signer = await TokenSigner.create(secretA);
  const user = { id: newUserId(), name: "Zoë 😀 \u00e9\u4e2d\u6587" };
  const token = await signer.sign(user);
  deepEqual(who(await signer.verify(token)), user);
  const payload = decodeBase64Url(token.split(".")[1]);
  assert(payload);
  const { u, n, j } = JSON.parse(new TextDecoder().decode(payload));
  deepEqual({ u, n }, { u: user.id, n: user.name });
  equal(typeof j, "string");
});

Deno.test("every token issued is distinct, even for one user", async () => {
  const signer = await TokenSigner.create(secretA);
  const tokens = await Promise.all([1, 2, 3].map(() => signer.sign(alice)));
  equal(new Set(tokens).size, 3);
});

Deno.test("an expiry round-trips", async () => {
  const signer = await TokenSigner.create(secretA);
  deepEqual(who(await signer.verify(await signer.sign(alice, 1_900_000_000))), {
    ...alice,
    expiresAt: 1_900_000_000,
  });
});

Deno.test("a token says when it was issued", async () => {
  const signer = await TokenSigner.create(secretA);
  const before = Date.now();
  const claims = await signer.verify(await signer.sign(alice));
  assert(claims?.issuedAt !== undefined);
  assert(claims.issuedAt >= before && claims.issuedAt <= Date.now());
});

Deno.test("a tampered payload is refused", async () => {
  const signer = await TokenSigner.create(secretA);
  const token = await signer.sign(alice);
  const [prefix, , mac] = token.split(".");
  const forged = encodeBase64Url(
    new TextEncoder().encode(JSON.stringify({ u: "u_admin", n: "alice" })),
  );
  equal(await signer.verify(`${prefix}.${forged}.${mac}`), null);
  equal(await signer.verify(flip(token, 5)), null);
});

Deno.test("a tampered signature is refused, including its last character", async () => {
  const signer = await TokenSigner.create(secretA);
  const token = await signer.sign(alice);
  const macStart = token.lastIndexOf(".") + 1;
  equal(await signer.verify(flip(token, macStart)), null);
  equal(await signer.verify(flip(token, macStart + 20)), null);
  // Every other value of the last character: the 2 padding bits must be 0.
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const accepted: string[] = [];
  for (const c of alphabet) {
    const variant = token.slice(0, -1) + c;
    if (await signer.verify(variant)) accepted.push(c);
  }
  deepEqual(accepted, [token.at(-1)]);
  equal(await signer.verify(token.slice(0, -1)), null);
  equal(await signer.verify(token + "A"), null);
  equal(await signer.verify(token.slice(0, macStart)), null);
});

Deno.test("a token signed with another key is refused", async () => {
  const signerA = await TokenSigner.create(secretA);
  const signerB = await TokenSigner.create(secretB);
  const token = await signerB.sign(alice);
  equal(await signerA.verify(token), null);
  deepEqual(who(await signerB.verify(token)), alice);
});

Deno.test("garbage and wrong prefixes are refused", async () => {
  const signer = await TokenSigner.create(secretA);
  const token = await signer.sign(alice);
  const refused = [
    "",
    "v1.",
    "v1..",
    "v1.abc",
    "hello",
    "v1.!!!.???",
    "v2" + token.slice(2),
    "V1" + token.slice(2),
    token.slice(3),
    " " + token,
    "v1." + "A".repeat(2000) + "." + token.split(".")[2],
  ];
  for (const candidate of refused) {
    equal(await signer.verify(candidate), null, JSON.stringify(candidate));
  }
});

Deno.test("a validly signed payload that is not {u, n} strings is refused", async () => {
  // Build a signature with the same key through WebCrypto directly.
  const key = await crypto.subtle.importKey(
    "raw",
    secretA,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signer = await TokenSigner.create(secretA);
  const sign = async (payload: string) => {
    const signed = "v1." +
      encodeBase64Url(new TextEncoder().encode(payload));
    const mac = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(signed),
    );
    return `${signed}.${encodeBase64Url(new Uint8Array(mac))}`;
  };
  // Sanity: a well-formed payload signed this way is accepted.
  deepEqual(await signer.verify(await sign('{"u":"u_x","n":"x"}')), {
    id: "u_x",
    name: "x",
  });
  for (
    const payload of [
      '{"u":1,"n":"x"}',
      '{"u":"u_x"}',
      '{"u":"u_x","n":"x","x":"never"}',
      '{"u":"u_x","n":"x","t":"today"}',
      "null",
      "[]",
      "{",
    ]
  ) {
    equal(await signer.verify(await sign(payload)), null, payload);
  }
});

Deno.test("TokenSigner.create refuses secrets shorter than 32 bytes", async () => {
  await rejects(
    TokenSigner.create(new Uint8Array(31)),
    new RangeError(
      "Cannot create token signer: secret is shorter than 32 bytes",
    ),
  );
});

Deno.test("newUserId is u_ and 16 random bytes in base64url", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const id = newUserId();
    match(id, /^u_[A-Za-z0-9_-]{22}$/);
    equal(decodeBase64Url(id.slice(2))?.byteLength, 16);
    ids.add(id);
  }
  equal(ids.size, 100);
});
