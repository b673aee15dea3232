/**
 * The service worker (`static/sw.js`) run in Deno against a stand-in of its
 * global scope: what it shows for a push (and when it shows nothing), and
 * where a click goes. The browser test (tests/ui/notifications_test.ts)
 * runs it in Chromium with a real push.
 */
import assert from "node:assert/strict";

const ORIGIN = "https://chat.example";

interface Shown {
  title: string;
  options: NotificationOptions & { data?: { url?: string } };
}

/** What the worker did, and the tabs it sees. */
const world = {
  shown: [] as Shown[],
  calls: [] as string[],
  tabs: [] as { url: string; focused: boolean; visibilityState: string }[],
};

const scope = globalThis as unknown as Record<string, unknown>;
Object.defineProperty(globalThis, "location", {
  configurable: true,
  value: new URL(`${ORIGIN}/sw.js`),
});
scope.skipWaiting = () => Promise.resolve();
scope.registration = {
  showNotification: (title: string, options: Shown["options"]) => {
    world.shown.push({ title, options });
    return Promise.resolve();
  },
};
scope.clients = {
  claim: () => Promise.resolve(),
  matchAll: () =>
    Promise.resolve(world.tabs.map((tab) => ({
      ...tab,
      focus: () => Promise.resolve(world.calls.push(`focus ${tab.url}`)),
    }))),
  openWindow: (url: string) => Promise.resolve(world.calls.push(`open ${url}`)),
};
await import("../static/sw.js");

/** Dispatches `type` with `fields` and waits for what it waits on. */
async function dispatch(type: string, fields: Record<string, unknown>) {
  const waits: Promise<unknown>[] = [];
  const event = Object.assign(new Event(type), fields, {
    waitUntil: (p: Promise<unknown>) => waits.push(p),
  });
  dispatchEvent(event);
  await Promise.all(waits);
}

function push(data: unknown) {
  world.shown = [];
  return dispatch("push", {
    data: {
      json: () => typeof data === "string" ? JSON.parse(data) : data,
    },
  });
}

const payload = {
  room: "general",
  seq: 5,
  from: { id: "u_a", name: "alice" },
  text: "hello @bob",
  url: "/rooms/general",
  title: "alice in #general",
  tag: "general:5",
};

Deno.test("push: the payload's title, text, tag and room", async () => {
  world.tabs = [];
  await push(payload);
  assert.deepEqual(world.shown, [{
    title: "alice in #general",
    options: {
      body: "hello @bob",
      icon: "/static/icons/icon-192.png",
      data: { url: `${ORIGIN}/rooms/general` },
      tag: "general:5",
    },
  }]);
});

Deno.test("push: nothing when that room is the focused, visible tab", async () => {
  world.tabs = [{
    url: `${ORIGIN}/rooms/general#m-4`,
    focused: true,
    visibilityState: "visible",
  }];
  await push(payload);
  assert.deepEqual(world.shown, []);
  // Another room in front, or that room in a tab in the background: shown.
  for (
    const tab of [
      {
        url: `${ORIGIN}/rooms/other`,
        focused: true,
        visibilityState: "visible",
      },
      {
        url: `${ORIGIN}/rooms/general`,
        focused: false,
        visibilityState: "hidden",
      },
    ]
  ) {
    world.tabs = [tab];
    await push(payload);
    assert.equal(world.shown.length, 1, tab.url);
  }
});

Deno.test("push: other origins' URLs and odd payloads", async () => {
  world.tabs = [];
  await push({ ...payload, url: "https://evil.example/x" });
  assert.equal(world.shown[0].options.data?.url, `${ORIGIN}/`);
  await push("not json");
  assert.deepEqual(world.shown, [{
    title: "Comet Chat",
    options: {
      body: "New activity",
      icon: "/static/icons/icon-192.png",
      data: { url: `${ORIGIN}/` },
    },
  }]);
});

Deno.test("notificationclick: focuses the room's tab, else opens it", async () => {
  let closed = 0;
  const click = () =>
    dispatch("notificationclick", {
      notification: {
        data: { url: `${ORIGIN}/rooms/general` },
        close: () => closed++,
      },
    });
  world.calls = [];
  world.tabs = [{
    url: `${ORIGIN}/rooms/other`,
    focused: false,
    visibilityState: "visible",
  }];
  await click();
  world.tabs.push({
    url: `${ORIGIN}/rooms/general?before=9`,
    focused: false,
    visibilityState: "hidden",
  });
  await click();
  assert.deepEqual(world.calls, [
    `open ${ORIGIN}/rooms/general`,
    `focus ${ORIGIN}/rooms/general?before=9`,
  ]);
  assert.equal(closed, 2);
});

Deno.test("pushsubscriptionchange: the renewed subscription is stored", async () => {
  const posted: [string, RequestInit | undefined][] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    posted.push([String(input), init]);
    return Promise.resolve(new Response("{}", { status: 201 }));
  };
  const json = { endpoint: "https://push.example/2", keys: {} };
  const made: unknown[] = [];
  (scope.registration as Record<string, unknown>).pushManager = {
    subscribe: (options: unknown) => {
      made.push(options);
      return Promise.resolve({ toJSON: () => json });
    },
  };
  try {
    // Given by the browser, or made again with the old one's options.
    await dispatch("pushsubscriptionchange", {
      newSubscription: { toJSON: () => json },
    });
    await dispatch("pushsubscriptionchange", {
      oldSubscription: { options: { userVisibleOnly: true } },
    });
    await dispatch("pushsubscriptionchange", {}); // nothing to go on
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(made, [{ userVisibleOnly: true }]);
  assert.deepEqual(
    posted.map(([url, init]) => [url, init?.method, init?.body]),
    [
      ["/api/push/subscriptions", "POST", JSON.stringify(json)],
      ["/api/push/subscriptions", "POST", JSON.stringify(json)],
    ],
  );
});
