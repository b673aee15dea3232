/**
 * Whether 65 bytes are a point on the P-256 curve. A subscription's
 * `p256dh` is the browser's public key; Deno's WebCrypto imports any 65
 * bytes without checking (2.9.6), and a point off the curve would be stored
 * and then fail every encryption, or worse, be used in ECDH.
 *
 * @module
 */

/** The field prime p and the curve's b (y² = x³ − 3x + b), SEC 2. */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

function bigintOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

const mod = (value: bigint) => ((value % P) + P) % P;

/**
 * Whether `point` is an uncompressed P-256 point (`04 ‖ x ‖ y`) on the curve.
 *
 * @example
 * ```ts
 * import { isP256Point } from "./p256_point.ts";
 * console.assert(!isP256Point(new Uint8Array(65).fill(4, 0, 1)));
 * ```
 */
export function isP256Point(point: Uint8Array): boolean {
  if (point.length !== 65 || point[0] !== 4) return false;
  const x = bigintOf(point.subarray(1, 33));
  const y = bigintOf(point.subarray(33));
  if (x >= P || y >= P) return false;
  return mod(y * y) === mod(x * x * x - 3n * x + B);
}
