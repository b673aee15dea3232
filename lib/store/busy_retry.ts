/**
 * Retries a KV operation that failed because another isolate held the SQLite
 * write lock ("database is locked"): a transient condition of the embedded
 * backend when isolates of one process write to the same file at once.
 *
 * @module
 */

const ATTEMPTS = 20;

/** Whether `error` is SQLite's transient lock error. */
export function isBusyError(error: unknown): boolean {
  return error instanceof Error &&
    /database is locked|SQLITE_BUSY/i.test(error.message);
}

/** Runs `operation`, retrying with jittered backoff while the database is locked. */
export async function withBusyRetry<T>(
  operation: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isBusyError(error) || attempt >= ATTEMPTS) throw error;
      const delay = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
