/**
 * One benchmark at a time on this machine: two runs would load the same two
 * CPUs and spoil each other's figures. The lock is a file holding the pid of
 * its owner; a lock whose owner is gone is taken over.
 *
 * @module
 */

const LOCK = "/tmp/chat-bench.lock";

/** Whether process `pid` exists. */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the machine-wide benchmark lock, waiting (bounded) for another run
 * to finish; returns a function that releases it.
 * @param maxWaitMs give up after this long
 */
export async function acquireBenchLock(
  maxWaitMs = 45 * 60_000,
): Promise<() => void> {
  const deadline = performance.now() + maxWaitMs;
  let told = false;
  while (true) {
    try {
      const f = Deno.openSync(LOCK, { write: true, createNew: true });
      f.writeSync(new TextEncoder().encode(String(Deno.pid)));
      f.close();
      return () => {
        try {
          if (Deno.readTextFileSync(LOCK).trim() === String(Deno.pid)) {
            Deno.removeSync(LOCK);
          }
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const owner = Number(Deno.readTextFileSync(LOCK).trim());
    if (!owner || !alive(owner)) {
      Deno.removeSync(LOCK);
      continue;
    }
    if (performance.now() > deadline) {
      throw new Error(`another benchmark (pid ${owner}) holds ${LOCK}`);
    }
    if (!told) {
      console.error(
        `bench: waiting for another benchmark run (pid ${owner}) to finish…`,
      );
      told = true;
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
}
