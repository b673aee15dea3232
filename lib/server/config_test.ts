import { deepEqual, equal, throws } from "node:assert/strict";
import { type Config, loadConfig } from "./config.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** A real VAPID key pair (made by `web-push generate-vapid-keys`). */
const VAPID_PUBLIC =
  "BAya5RNOLMekWeOYUheJ2oZG0OybL0vBaaasWSlArkVhQ4Fb4UilnMw6KnCZa-DuN7yWdbzNS1UAD0Pp7mcgF3g";
const VAPID_PRIVATE = "ocObpJYRjcey7dYi257JslNFyVF-Dzb_SiyiK-xCZRM";

Deno.test("every variable has a default", () => {
  const expected: Config = {
    kvPath: undefined,
    redisUrl: undefined,
    redisCluster: false,
    secret: undefined,
    allowedOrigins: new Set(),
    historyLimit: 10_000,
    sendRate: 20,
    sendBurst: 40,
    maxConnectionsPerUser: 20,
    maxConnectionsPerAddress: 200,
    trustedProxies: new Set(),
    helloTimeoutMs: 10_000,
    wsIdleMs: 60_000,
    presenceGraceMs: 3_000,
    heartbeatMs: 5_000,
    slowClientBytes: 4 * 1024 * 1024,
    faultBusDropEvery: 0,
    admins: [],
    rpId: undefined,
    vapid: undefined,
    vapidSubject: "mailto:chat@example.invalid",
    pushTestOrigins: new Set(),
    forwardWrites: true,
    broadcast: true,
    log: "info",
  };
  deepEqual(loadConfig(() => undefined), expected);
  // Empty values count as unset.
  deepEqual(
    loadConfig(env({
      CHAT_SECRET: "",
      CHAT_ALLOWED_ORIGINS: "",
      CHAT_HISTORY_LIMIT: "",
      CHAT_SEND_RATE: "",
      CHAT_HEARTBEAT_MS: "",
    })),
    expected,
  );
});

Deno.test("every variable is read", () => {
  const config = loadConfig(env({
    CHAT_KV_PATH: "./data/chat.db",
    CHAT_REDIS_URL: "redis://127.0.0.1:6379",
    CHAT_REDIS_CLUSTER: "0",
    CHAT_SECRET: "s3cret",
    CHAT_ALLOWED_ORIGINS: "https://chat.example, http://localhost:3000,,",
    CHAT_HISTORY_LIMIT: "500",
    CHAT_SEND_RATE: "0",
    CHAT_SEND_BURST: "1",
    CHAT_MAX_CONNECTIONS_PER_USER: "3",
    CHAT_MAX_CONNECTIONS_PER_ADDRESS: "0",
    CHAT_TRUSTED_PROXIES: "127.0.0.1, ::1,,",
    CHAT_HELLO_TIMEOUT_MS: "250",
    CHAT_WS_IDLE_MS: "100",
    CHAT_PRESENCE_GRACE_MS: "0",
    CHAT_HEARTBEAT_MS: "10",
    CHAT_SLOW_CLIENT_BYTES: "1024",
    CHAT_FAULT_BUS_DROP_EVERY: "7",
    CHAT_ADMINS: "root",
    CHAT_RP_ID: "chat.example",
    CHAT_VAPID_PUBLIC_KEY: VAPID_PUBLIC,
    CHAT_VAPID_PRIVATE_KEY: VAPID_PRIVATE,
    CHAT_VAPID_SUBJECT: "https://chat.example/contact",
    CHAT_PUSH_TEST_ORIGINS: "http://127.0.0.1:9000",
    CHAT_FORWARD_WRITES: "0",
    CHAT_BROADCAST: "0",
    CHAT_LOG: "debug",
  }));
  deepEqual(config, {
    kvPath: "./data/chat.db",
    redisUrl: "redis://127.0.0.1:6379",
    redisCluster: false,
    secret: "s3cret",
    allowedOrigins: new Set(["https://chat.example", "http://localhost:3000"]),
    historyLimit: 500,
    sendRate: 0,
    sendBurst: 1,
    maxConnectionsPerUser: 3,
    maxConnectionsPerAddress: 0,
    trustedProxies: new Set(["127.0.0.1", "::1"]),
    helloTimeoutMs: 250,
    wsIdleMs: 100,
    presenceGraceMs: 0,
    heartbeatMs: 10,
    slowClientBytes: 1024,
    forwardWrites: false,
    broadcast: false,
    faultBusDropEvery: 7,
    admins: ["root"],
    rpId: "chat.example",
    vapid: { publicKey: VAPID_PUBLIC, privateKey: VAPID_PRIVATE },
    vapidSubject: "https://chat.example/contact",
    pushTestOrigins: new Set(["http://127.0.0.1:9000"]),
    log: "debug",
  });
  equal(loadConfig(env({ CHAT_KV_PATH: ":memory:" })).kvPath, ":memory:");
  equal(loadConfig(env({ CHAT_LOG: "silent" })).log, "silent");
});

Deno.test("integers below their minimum are refused with the variable named", () => {
  const cases: Array<[string, string, string]> = [
    ["CHAT_HISTORY_LIMIT", "99", "100"],
    ["CHAT_SEND_RATE", "-1", "0"],
    ["CHAT_SEND_BURST", "0", "1"],
    ["CHAT_HELLO_TIMEOUT_MS", "0", "1"],
    ["CHAT_WS_IDLE_MS", "99", "100"],
    ["CHAT_PRESENCE_GRACE_MS", "-5", "0"],
    ["CHAT_HEARTBEAT_MS", "9", "10"],
    ["CHAT_SLOW_CLIENT_BYTES", "1023", "1024"],
    ["CHAT_FAULT_BUS_DROP_EVERY", "-1", "0"],
    ["CHAT_MAX_CONNECTIONS_PER_USER", "-1", "0"],
    ["CHAT_MAX_CONNECTIONS_PER_ADDRESS", "-1", "0"],
  ];
  for (const [name, raw, min] of cases) {
    throws(
      () => loadConfig(env({ [name]: raw })),
      new RangeError(
        `Cannot read ${name}="${raw}": expected an integer ≥ ${min}`,
      ),
    );
  }
});

Deno.test("non-integers are refused", () => {
  for (const raw of ["abc", "1.5", "NaN", "Infinity", "20ms"]) {
    throws(
      () => loadConfig(env({ CHAT_SEND_RATE: raw })),
      new RangeError(
        `Cannot read CHAT_SEND_RATE="${raw}": expected an integer ≥ 0`,
      ),
    );
  }
});

Deno.test("an unknown log level is refused", () => {
  throws(
    () => loadConfig(env({ CHAT_LOG: "verbose" })),
    new RangeError(
      'Cannot read CHAT_LOG="verbose": expected silent, info or debug',
    ),
  );
  throws(() => loadConfig(env({ CHAT_LOG: "INFO" })), RangeError);
});

Deno.test("BroadcastChannel is used by default, except on Deno Deploy", () => {
  equal(loadConfig(() => undefined).broadcast, true);
  equal(loadConfig(env({ DENO_DEPLOYMENT_ID: "abc123" })).broadcast, false);
  equal(loadConfig(env({ CHAT_BROADCAST: "0" })).broadcast, false);
  equal(
    loadConfig(env({ DENO_DEPLOYMENT_ID: "abc123", CHAT_BROADCAST: "1" }))
      .broadcast,
    true,
  );
});

Deno.test("writes are forwarded by default, except on Deno Deploy", () => {
  equal(loadConfig(() => undefined).forwardWrites, true);
  equal(
    loadConfig(env({ DENO_DEPLOYMENT_ID: "abc123" })).forwardWrites,
    false,
  );
  equal(
    loadConfig(env({ DENO_DEPLOYMENT_ID: "abc123", CHAT_FORWARD_WRITES: "1" }))
      .forwardWrites,
    true,
  );
  throws(
    () => loadConfig(env({ CHAT_FORWARD_WRITES: "yes" })),
    {
      name: "RangeError",
      message: 'Cannot read CHAT_FORWARD_WRITES="yes": expected 1 or 0',
    },
  );
});

Deno.test("CHAT_REDIS_URL chooses the Redis engine; a malformed one is refused", () => {
  const config = loadConfig(env({
    CHAT_REDIS_URL: "rediss://cache.example:6380",
    CHAT_REDIS_CLUSTER: "1",
  }));
  equal(config.redisUrl, "rediss://cache.example:6380");
  equal(config.redisCluster, true);
  throws(
    () => loadConfig(env({ CHAT_REDIS_URL: "localhost:6379" })),
    /CHAT_REDIS_URL="localhost:6379"/,
  );
});

Deno.test("CHAT_ADMINS lists names, trimmed, empty parts ignored", () => {
  deepEqual(
    loadConfig(env({ CHAT_ADMINS: " Alice, bob ,,Zoë " })).admins,
    ["Alice", "bob", "Zoë"],
  );
});

Deno.test("CHAT_RP_ID is a lower-case domain; anything else is refused", () => {
  equal(loadConfig(env({ CHAT_RP_ID: "localhost" })).rpId, "localhost");
  for (
    const bad of [
      "https://chat.example",
      "Chat.Example",
      "chat.example:443",
      "-x.example",
      "a..b",
    ]
  ) {
    throws(() => loadConfig(env({ CHAT_RP_ID: bad })), /CHAT_RP_ID=/, bad);
  }
});

Deno.test("the VAPID keys come both or neither, and must be a P-256 pair's sizes", () => {
  throws(
    () => loadConfig(env({ CHAT_VAPID_PUBLIC_KEY: VAPID_PUBLIC })),
    /both CHAT_VAPID_PUBLIC_KEY and CHAT_VAPID_PRIVATE_KEY/,
  );
  throws(
    () => loadConfig(env({ CHAT_VAPID_PRIVATE_KEY: VAPID_PRIVATE })),
    /both/,
  );
  throws(
    () =>
      loadConfig(env({
        CHAT_VAPID_PUBLIC_KEY: VAPID_PUBLIC.slice(0, -1),
        CHAT_VAPID_PRIVATE_KEY: VAPID_PRIVATE,
      })),
    /CHAT_VAPID_PUBLIC_KEY=/,
  );
  // The private key is never echoed in the error.
  throws(
    () =>
      loadConfig(env({
        CHAT_VAPID_PUBLIC_KEY: VAPID_PUBLIC,
        CHAT_VAPID_PRIVATE_KEY: VAPID_PRIVATE + "A",
      })),
    (error: Error) =>
      /CHAT_VAPID_PRIVATE_KEY: expected 32 bytes/.test(error.message) &&
      !error.message.includes(VAPID_PRIVATE),
  );
});

Deno.test("CHAT_VAPID_SUBJECT is mailto: or https:; CHAT_PUSH_TEST_ORIGINS are exact origins", () => {
  equal(
    loadConfig(env({ CHAT_VAPID_SUBJECT: "mailto:ops@chat.example" }))
      .vapidSubject,
    "mailto:ops@chat.example",
  );
  for (
    const bad of ["http://chat.example", "ops@chat.example", "https://[bad"]
  ) {
    throws(
      () => loadConfig(env({ CHAT_VAPID_SUBJECT: bad })),
      /CHAT_VAPID_SUBJECT=/,
    );
  }
  deepEqual(
    loadConfig(env({
      CHAT_PUSH_TEST_ORIGINS: "http://127.0.0.1:9000, http://[::1]:9001",
    })).pushTestOrigins,
    new Set(["http://127.0.0.1:9000", "http://[::1]:9001"]),
  );
  for (const bad of ["http://127.0.0.1:9000/push", "127.0.0.1:9000", "x"]) {
    throws(
      () => loadConfig(env({ CHAT_PUSH_TEST_ORIGINS: bad })),
      /CHAT_PUSH_TEST_ORIGINS/,
      bad,
    );
  }
});
