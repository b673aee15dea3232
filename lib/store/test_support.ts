/**
 * Shared by the storage tests: a fresh in-memory database per test.
 *
 * @module
 */

/** Runs `fn` with a new in-memory KV database, closed afterwards. */
export async function withKv(
  fn: (kv: Deno.Kv) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}
