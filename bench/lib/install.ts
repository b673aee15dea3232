/**
 * Installs the peers' npm dependencies (Bun, ws, Socket.IO, the
 * Socket.IO client and hdr-histogram-js) from the lock file when missing.
 *
 * @module
 */
import { BENCH } from "./proc.ts";

/** Runs `npm ci` in bench/peers unless node_modules is already there. */
export async function ensurePeersInstalled(): Promise<void> {
  const dir = `${BENCH}/peers`;
  try {
    await Deno.stat(`${dir}/node_modules/.package-lock.json`);
    await Deno.stat(`${dir}/node_modules/.bin/bun`);
    return;
  } catch {
    // not installed yet
  }
  console.error("bench: installing peers (npm ci in bench/peers)…");
  const out = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund"],
    cwd: dir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`npm ci failed with code ${out.code}`);
}
