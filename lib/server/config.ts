/**
 * Server configuration, read once from environment variables. Every variable
 * has a default, so the server runs with none set.
 *
 * @module
 */
import { decodeBase64Url } from "../auth/base64url.ts";

/** The server's configuration. */
export interface Config {
  /** `CHAT_KV_PATH`: Deno KV database path; `:memory:`; empty on Deno Deploy. */
  kvPath: string | undefined;
  /** `CHAT_SECRET`: token signing key; generated and kept in KV when unset. */
  secret: string | undefined;
  /** `CHAT_ALLOWED_ORIGINS`: extra origins allowed besides the server's own. */
  allowedOrigins: ReadonlySet<string>;
  /** `CHAT_HISTORY_LIMIT`: messages kept per room (default 10 000). */
  historyLimit: number;
  /**
   * `CHAT_SEND_RATE`: sends per second per user, and per address for guests,
   * over all their connections on one isolate (0 = unlimited).
   */
  sendRate: number;
  /** `CHAT_SEND_BURST`: how many sends may come at once before limiting. */
  sendBurst: number;
  /**
   * `CHAT_MAX_CONNECTIONS_PER_USER`: WebSockets and SSE streams one user may
   * hold open on one isolate (0 = unlimited).
   */
  maxConnectionsPerUser: number;
  /**
   * `CHAT_MAX_CONNECTIONS_PER_ADDRESS`: WebSockets and SSE streams one client
   * address may hold open on one isolate (0 = unlimited).
   */
  maxConnectionsPerAddress: number;
  /**
   * `CHAT_TRUSTED_PROXIES`: peer addresses (proxies) whose `X-Forwarded-For`
   * names the client's address; from anyone else the header is ignored.
   */
  trustedProxies: ReadonlySet<string>;
  /** `CHAT_HELLO_TIMEOUT_MS`: time allowed for the first `hello`. */
  helloTimeoutMs: number;
  /** `CHAT_WS_IDLE_MS`: a WebSocket that sends nothing this long is closed (1001). */
  wsIdleMs: number;
  /** `CHAT_PRESENCE_GRACE_MS`: how long a user stays online after their last connection closes. */
  presenceGraceMs: number;
  /** `CHAT_HEARTBEAT_MS`: how often an isolate announces it is alive. */
  heartbeatMs: number;
  /** `CHAT_SLOW_CLIENT_BYTES`: buffered bytes after which a socket is closed with 1013. */
  slowClientBytes: number;
  /**
   * `CHAT_FORWARD_WRITES`: `1` to store every isolate's sends through one
   * writer isolate, `0` to have each isolate write its own. Default: on,
   * except on Deno Deploy (its instances are far apart).
   */
  forwardWrites: boolean;
  /**
   * `CHAT_BROADCAST`: `0` to carry events between nodes through Deno KV alone
   * (`kv.watch`), with no `BroadcastChannel`. Default: on, except on Deno
   * Deploy, whose instances no `BroadcastChannel` connects. Ignored on the
   * Redis engine.
   */
  broadcast: boolean;
  /**
   * `CHAT_REDIS_URL`: `redis://…` or `rediss://…` to run on the Redis
   * engine (several processes or machines, one chat); unset: Deno KV.
   */
  redisUrl: string | undefined;
  /** `CHAT_REDIS_CLUSTER`: `1` when `CHAT_REDIS_URL` is a Redis Cluster node. */
  redisCluster: boolean;
  /** `CHAT_ADMINS`: claimed names (comma-separated) that act as owner of every room. */
  admins: readonly string[];
  /**
   * `CHAT_RP_ID`: the passkeys' relying party id, a domain such as
   * `example.com` (passkeys then work on every subdomain); unset: each
   * request's own hostname.
   */
  rpId: string | undefined;
  /**
   * `CHAT_VAPID_PUBLIC_KEY` and `CHAT_VAPID_PRIVATE_KEY` (base64url: an
   * uncompressed P-256 point, a 32-byte scalar): Web Push's VAPID key pair;
   * unset: generated once and kept in records. Both or neither.
   */
  vapid: { publicKey: string; privateKey: string } | undefined;
  /**
   * `CHAT_VAPID_SUBJECT`: the `mailto:` or `https:` contact push services
   * see in every VAPID token (default `mailto:chat@example.invalid`).
   */
  vapidSubject: string;
  /**
   * `CHAT_PUSH_TEST_ORIGINS`: tests only: exact origins (`http://127.0.0.1:9000`)
   * accepted as push endpoints although they are not `https` on a public host.
   */
  pushTestOrigins: ReadonlySet<string>;
  /** `CHAT_FAULT_BUS_DROP_EVERY`: test-only fault: drop every Nth bus post (0 = off). */
  faultBusDropEvery: number;
  /** `CHAT_LOG`: `info` (default) or `debug` or `silent`. */
  log: "silent" | "info" | "debug";
}

/** Reads one variable; the adapter decides where variables come from. */
export type EnvReader = (name: string) => string | undefined;

function int(env: EnvReader, name: string, fallback: number, min = 0): number {
  const raw = env(name);
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot read ${name}="${raw}": expected an integer ≥ ${min}`,
    );
  }
  return value;
}

function flag(env: EnvReader, name: string, fallback: boolean): boolean {
  const raw = env(name);
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "0") return raw === "1";
  throw new RangeError(`Cannot read ${name}="${raw}": expected 1 or 0`);
}

/** A domain name: what WebAuthn accepts as a relying party id. */
const RP_ID_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A comma-separated list, trimmed, empty parts ignored. */
function list(env: EnvReader, name: string): string[] {
  return (env(name) ?? "").split(",").map((part) => part.trim())
    .filter((part) => part !== "");
}

/** The VAPID key pair from the environment: both variables or neither. */
function vapidKeys(env: EnvReader): Config["vapid"] {
  const publicKey = env("CHAT_VAPID_PUBLIC_KEY") || undefined;
  const privateKey = env("CHAT_VAPID_PRIVATE_KEY") || undefined;
  if (publicKey === undefined && privateKey === undefined) return undefined;
  if (publicKey === undefined || privateKey === undefined) {
    throw new RangeError(
      "Cannot read the VAPID keys: set both CHAT_VAPID_PUBLIC_KEY and CHAT_VAPID_PRIVATE_KEY, or neither",
    );
  }
  const point = decodeBase64Url(publicKey);
  if (point?.length !== 65 || point[0] !== 4) {
    throw new RangeError(
      `Cannot read CHAT_VAPID_PUBLIC_KEY="${publicKey}": expected an uncompressed P-256 point (65 bytes, base64url)`,
    );
  }
  if (decodeBase64Url(privateKey)?.length !== 32) {
    // The value is a secret: not echoed.
    throw new RangeError(
      "Cannot read CHAT_VAPID_PRIVATE_KEY: expected 32 bytes, base64url",
    );
  }
  return { publicKey, privateKey };
}

/**
 * Builds the configuration from environment variables.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig((name) => ({ CHAT_HISTORY_LIMIT: "500" })[name]);
 * console.assert(config.historyLimit === 500);
 * ```
 */
export function loadConfig(env: EnvReader): Config {
  const log = env("CHAT_LOG") || "info";
  if (log !== "silent" && log !== "info" && log !== "debug") {
    throw new RangeError(
      `Cannot read CHAT_LOG="${log}": expected silent, info or debug`,
    );
  }
  const origins = list(env, "CHAT_ALLOWED_ORIGINS");
  const redisUrl = env("CHAT_REDIS_URL") || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new RangeError(
      `Cannot read CHAT_REDIS_URL="${redisUrl}": expected redis://host:port or rediss://…`,
    );
  }
  const vapidSubject = env("CHAT_VAPID_SUBJECT") ||
    "mailto:chat@example.invalid";
  if (
    !/^(mailto:[^\s]+|https:\/\/[^\s]+)$/.test(vapidSubject) ||
    !URL.canParse(vapidSubject)
  ) {
    throw new RangeError(
      `Cannot read CHAT_VAPID_SUBJECT="${vapidSubject}": expected mailto:… or https://…`,
    );
  }
  const pushTestOrigins = list(env, "CHAT_PUSH_TEST_ORIGINS");
  for (const origin of pushTestOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new RangeError(
        `Cannot read CHAT_PUSH_TEST_ORIGINS: "${origin}" is not an origin such as http://127.0.0.1:9000`,
      );
    }
  }
  const rpId = env("CHAT_RP_ID") || undefined;
  if (rpId !== undefined && !RP_ID_PATTERN.test(rpId)) {
    throw new RangeError(
      `Cannot read CHAT_RP_ID="${rpId}": expected a lower-case domain such as example.com`,
    );
  }
  return {
    kvPath: env("CHAT_KV_PATH"),
    redisUrl,
    redisCluster: flag(env, "CHAT_REDIS_CLUSTER", false),
    secret: env("CHAT_SECRET") || undefined,
    allowedOrigins: new Set(origins),
    historyLimit: int(env, "CHAT_HISTORY_LIMIT", 10_000, 100),
    sendRate: int(env, "CHAT_SEND_RATE", 20),
    sendBurst: int(env, "CHAT_SEND_BURST", 40, 1),
    maxConnectionsPerUser: int(env, "CHAT_MAX_CONNECTIONS_PER_USER", 20),
    maxConnectionsPerAddress: int(env, "CHAT_MAX_CONNECTIONS_PER_ADDRESS", 200),
    trustedProxies: new Set(list(env, "CHAT_TRUSTED_PROXIES")),
    helloTimeoutMs: int(env, "CHAT_HELLO_TIMEOUT_MS", 10_000, 1),
    wsIdleMs: int(env, "CHAT_WS_IDLE_MS", 60_000, 100),
    presenceGraceMs: int(env, "CHAT_PRESENCE_GRACE_MS", 3_000),
    heartbeatMs: int(env, "CHAT_HEARTBEAT_MS", 5_000, 10),
    slowClientBytes: int(env, "CHAT_SLOW_CLIENT_BYTES", 4 * 1024 * 1024, 1024),
    faultBusDropEvery: int(env, "CHAT_FAULT_BUS_DROP_EVERY", 0),
    admins: (env("CHAT_ADMINS") ?? "").split(",").map((name) => name.trim())
      .filter((name) => name !== ""),
    rpId,
    vapid: vapidKeys(env),
    vapidSubject,
    pushTestOrigins: new Set(pushTestOrigins),
    broadcast: flag(
      env,
      "CHAT_BROADCAST",
      env("DENO_DEPLOYMENT_ID") === undefined,
    ),
    forwardWrites: flag(
      env,
      "CHAT_FORWARD_WRITES",
      env("DENO_DEPLOYMENT_ID") === undefined,
    ),
    log,
  };
}
