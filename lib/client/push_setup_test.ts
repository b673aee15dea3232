import assert from "node:assert/strict";
import { base64UrlBytes, enablePush, sameKey } from "./push_setup.ts";

const KEY = "BAEC_-8"; // bytes 4, 1, 2, 255, 239

function subscription(key: Uint8Array | null, unsubscribed: string[]) {
  return {
    options: { applicationServerKey: key?.buffer ?? null },
    toJSON: () => ({ endpoint: "https://push.example/1", keys: {} }),
    unsubscribe: () => {
      unsubscribed.push("old");
      return Promise.resolve(true);
    },
  } as unknown as PushSubscription;
}

/** Stubs the browser's parts `enablePush` uses, for one run. */
async function withBrowser(
  browser: {
    permission: NotificationPermission;
    existing?: PushSubscription | null;
    subscribeFails?: boolean;
    storeStatus?: number;
  },
  run: (log: string[]) => Promise<void>,
): Promise<void> {
  const log: string[] = [];
  const registration = {
    pushManager: {
      getSubscription: () => Promise.resolve(browser.existing ?? null),
      subscribe: (options: PushSubscriptionOptionsInit) => {
        log.push(
          `subscribe ${[
            ...new Uint8Array(options.applicationServerKey as ArrayBuffer),
          ]}`,
        );
        return browser.subscribeFails
          ? Promise.reject(new Error("push service not available"))
          : Promise.resolve(subscription(null, log));
      },
    },
  };
  const g = globalThis as Record<string, unknown>;
  const realFetch = globalThis.fetch;
  g.Notification = {
    requestPermission: () => {
      log.push("ask");
      return Promise.resolve(browser.permission);
    },
  };
  Object.defineProperty(navigator, "serviceWorker", {
    configurable: true,
    value: {
      register: (url: string, options: RegistrationOptions) => {
        log.push(`register ${url} ${options.scope}`);
        return Promise.resolve(registration);
      },
      ready: Promise.resolve(registration),
    },
  });
  globalThis.fetch = (input, init) => {
    log.push(`${init?.method ?? "GET"} ${input} ${init?.body ?? ""}`.trim());
    if (String(input) === "/api/push/key") {
      return Promise.resolve(new Response(JSON.stringify({ key: KEY })));
    }
    return Promise.resolve(
      new Response("{}", { status: browser.storeStatus ?? 201 }),
    );
  };
  try {
    await run(log);
  } finally {
    globalThis.fetch = realFetch;
    delete g.Notification;
    Reflect.deleteProperty(navigator, "serviceWorker");
  }
}

Deno.test("base64UrlBytes and sameKey", () => {
  const key = base64UrlBytes(KEY);
  assert.deepEqual([...key], [4, 1, 2, 255, 239]);
  const unsubscribed: string[] = [];
  assert.equal(sameKey(subscription(key.slice(), unsubscribed), key), true);
  assert.equal(
    sameKey(subscription(new Uint8Array([4, 1, 2, 255, 0]), []), key),
    false,
  );
  assert.equal(sameKey(subscription(null, []), key), false);
});

Deno.test("enablePush: asks, registers /sw.js for /, subscribes with the key, stores it", async () => {
  await withBrowser({ permission: "granted" }, async (log) => {
    assert.deepEqual(await enablePush(), { state: "on" });
    assert.deepEqual(log, [
      "ask",
      "register /sw.js /",
      "GET /api/push/key",
      "subscribe 4,1,2,255,239",
      'POST /api/push/subscriptions {"endpoint":"https://push.example/1","keys":{}}',
    ]);
  });
});

Deno.test("enablePush: a refused prompt stops there", async () => {
  for (const permission of ["denied", "default"] as const) {
    await withBrowser({ permission }, async (log) => {
      assert.deepEqual(await enablePush(), { state: permission });
      assert.deepEqual(log, ["ask"]);
    });
  }
});

Deno.test("enablePush: a subscription of another key is replaced", async () => {
  await withBrowser({
    permission: "granted",
    existing: subscription(new Uint8Array([9]), []),
  }, async (log) => {
    assert.deepEqual(await enablePush(), { state: "on" });
    assert.ok(log.includes("subscribe 4,1,2,255,239"), log.join("\n"));
  });
  const key = base64UrlBytes(KEY);
  await withBrowser({
    permission: "granted",
    existing: subscription(key, []),
  }, async (log) => {
    assert.deepEqual(await enablePush(), { state: "on" });
    assert.ok(!log.some((l) => l.startsWith("subscribe")), log.join("\n"));
  });
});

Deno.test("enablePush: push failing leaves notifications in the page", async () => {
  await withBrowser(
    { permission: "granted", subscribeFails: true },
    async () => {
      assert.deepEqual(await enablePush(), {
        state: "page-only",
        reason: "push service not available",
      });
    },
  );
  await withBrowser({ permission: "granted", storeStatus: 400 }, async () => {
    assert.deepEqual(await enablePush(), {
      state: "page-only",
      reason: "HTTP 400",
    });
  });
});
