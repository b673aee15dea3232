import { equal } from "node:assert/strict";
import { isP256Point } from "./p256_point.ts";

Deno.test("real public keys are on the curve; zeros, flipped bits and compressed points are not", async () => {
  for (let i = 0; i < 5; i++) {
    const pair = await crypto.subtle.generateKey(
      { name: "ECDH", namedCurve: "P-256" },
      true,
      ["deriveBits"],
    );
    const point = new Uint8Array(
      await crypto.subtle.exportKey("raw", pair.publicKey),
    );
    equal(isP256Point(point), true);
    const flipped = point.slice();
    flipped[64] ^= 1;
    equal(isP256Point(flipped), false);
    equal(isP256Point(point.subarray(0, 33)), false);
  }
  const zero = new Uint8Array(65);
  zero[0] = 4;
  equal(isP256Point(zero), false);
  // The generator G is on the curve.
  const g = new Uint8Array(65);
  g[0] = 4;
  const hex =
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
  for (let i = 0; i < 64; i++) {
    g[1 + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  equal(isP256Point(g), true);
});
