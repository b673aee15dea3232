/**
 * A small structured logger: one JSON line per event on stderr.
 *
 * @module
 */

/** Log levels, least verbose first. */
export type LogLevel = "silent" | "info" | "debug";

/** Writes JSON log lines tagged with the isolate. */
export class Logger {
  readonly #level: LogLevel;
  readonly #node: string;

  constructor(level: LogLevel, node: string) {
    this.#level = level;
    this.#node = node;
  }

  /** Something worth knowing in production. */
  info(event: string, fields: Record<string, unknown> = {}): void {
    if (this.#level !== "silent") this.#write("info", event, fields);
  }

  /** Detail for debugging. */
  debug(event: string, fields: Record<string, unknown> = {}): void {
    if (this.#level === "debug") this.#write("debug", event, fields);
  }

  /** A failure the server survived. */
  error(
    event: string,
    error: unknown,
    fields: Record<string, unknown> = {},
  ): void {
    if (this.#level === "silent") return;
    const detail = error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
    this.#write("error", event, { ...fields, error: detail });
  }

  #write(level: string, event: string, fields: Record<string, unknown>): void {
    console.error(
      JSON.stringify({ level, event, node: this.#node, ...fields }),
    );
  }
}
