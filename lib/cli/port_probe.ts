/**
 * Whether the server could listen on an address, asked before `deno serve`
 * tries: its own failure is an uncaught `AddrInUse` with a stack trace, one
 * per isolate under `--parallel`, after the islands were built for nothing.
 *
 * @module
 */

/**
 * Why listening on `hostname`:`port` fails right now, as one line for a
 * person, or `null` when it would succeed. Binds and closes at once: the
 * port could be taken again before `deno serve` binds it (then `deno serve`
 * reports it), so call this as late as possible.
 */
export function listenProblem(hostname: string, port: number): string | null {
  try {
    Deno.listen({ hostname, port }).close();
    return null;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      return `port ${port} is already in use (set PORT to another port)`;
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      return `HOST="${hostname}" is not an address of this machine`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `cannot listen on ${hostname}:${port}: ${message}`;
  }
}
