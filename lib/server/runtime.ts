/**
 * What the core needs from the runtime, kept to a few functions so the core
 * runs on any Deno-compatible host.
 *
 * @module
 */
import type { EnvReader } from "./config.ts";

/** The runtime services the core depends on. */
export interface RuntimeAdapter {
  /** Reads an environment variable. */
  env: EnvReader;
  /** Opens the KV database (`undefined`: the runtime's default). */
  openKv(path: string | undefined): Promise<Deno.Kv>;
  /** Upgrades a request to a WebSocket. */
  upgradeWebSocket(req: Request): { socket: WebSocket; response: Response };
  /** Calls `callback` once when the process is asked to stop (SIGTERM, SIGINT). */
  onShutdown(callback: () => void): void;
  /**
   * Resolves a host name to its IPv4 and IPv6 addresses (rejects when it
   * cannot), for the push endpoint guard; a runtime without DNS lookups
   * leaves it out.
   */
  resolveHost?(host: string): Promise<string[]>;
}
