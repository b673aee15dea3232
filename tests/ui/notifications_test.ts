/**
 * Browser tests of mentions and notifications on a real server: `@`
 * completion by keyboard and pointer and the mentioned person's highlight;
 * the room's notification level kept across a reload; "Enable
 * notifications" storing a push subscription; the service worker showing a
 * pushed message (delivered with the DevTools protocol's
 * `ServiceWorker.deliverPushMessage`) and its click handler opening the
 * room; the web app manifest and its icons.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page, Worker } from "playwright-core";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

const NO_LEAKS = { sanitizeOps: false, sanitizeResources: false };

/** The message row whose text is exactly `text`. */
function row(page: Page, text: string) {
  return page.locator(".msg").filter({
    has: page.locator(".msg-text", { hasText: new RegExp(`^${text}$`) }),
  });
}

/** The options the mention listbox offers, and the selected one. */
function listbox(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector('[role="listbox"]');
    const box = document.getElementById("composer-text");
    if (!list || !box) return null;
    const options = [...list.querySelectorAll('[role="option"]')];
    const selected = options.find((o) =>
      o.getAttribute("aria-selected") === "true"
    );
    return {
      options: options.map((o) => o.textContent),
      selected: selected?.textContent,
      // The text box points at the selected option, and at the list.
      tied: box.getAttribute("aria-activedescendant") === selected?.id &&
        box.getAttribute("aria-controls") === list.id,
    };
  });
}

Deno.test({
  name:
    "@ completes room members by keyboard and pointer; the mentioned person sees the message highlighted",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const ada = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      const bonnie = await browser.page(await browser.context());
      await joinViaLobby(bob.page, server.origin, "Bob Smith", "mentions");
      await joinViaLobby(bonnie.page, server.origin, "Bonnie", "mentions");
      await joinViaLobby(ada.page, server.origin, "ada", "mentions");
      const page = ada.page;
      const box = page.getByRole("textbox", { name: "Message" });

      await onPage(page, "completing by keyboard", async () => {
        await box.pressSequentially("hi @bo");
        await waitFor(
          page,
          "the listbox",
          async () => (await listbox(page))?.options.length === 2,
        );
        assert.deepEqual(await listbox(page), {
          options: ["Bob Smith", "Bonnie"],
          selected: "Bob Smith",
          tied: true,
        });
        await box.press("ArrowDown");
        assert.equal((await listbox(page))?.selected, "Bonnie");
        await box.press("ArrowDown"); // round to the top
        assert.equal((await listbox(page))?.selected, "Bob Smith");
        await box.press("ArrowUp");
        await box.press("ArrowUp");
        await box.press("Enter");
        // Enter took the name, and did not send.
        assert.equal(await box.inputValue(), "hi @Bob Smith ");
        assert.equal(await listbox(page), null);
        assert.equal(await box.getAttribute("aria-activedescendant"), null);
        assert.equal(await page.locator(".msg").count(), 0);
        // The caret is after the name: typing goes on there.
        await box.pressSequentially("look");
        assert.equal(await box.inputValue(), "hi @Bob Smith look");
        await box.press("Enter");
      });
      await waitForMessage(page, "hi @Bob Smith look");

      await onPage(page, "Escape, Tab and a click", async () => {
        await box.pressSequentially("@bon");
        await waitFor(page, "the listbox", () => listbox(page));
        await box.press("Escape");
        assert.equal(await listbox(page), null);
        assert.equal(await box.inputValue(), "@bon");
        await box.pressSequentially("n");
        await waitFor(page, "the listbox again", () => listbox(page));
        await box.press("Tab");
        assert.equal(await box.inputValue(), "@Bonnie ");
        await box.pressSequentially("and @");
        await waitFor(
          page,
          "everyone",
          async () => (await listbox(page))?.options.length === 2,
        );
        await page.getByRole("option", { name: "Bob Smith" }).click();
        assert.equal(await box.inputValue(), "@Bonnie and @Bob Smith ");
        await expectFocused(page, "composer-text");
      });

      // Bob sees the message as his mention; Bonnie sees it marked only.
      await waitForMessage(bob.page, "hi @Bob Smith look");
      const forBob = row(bob.page, "hi @Bob Smith look");
      assert.match(
        await forBob.getAttribute("class") ?? "",
        /\bmsg--mention\b/,
      );
      assert.equal(
        await forBob.locator(".mention.mention--me").innerText(),
        "@Bob Smith",
      );
      await waitForMessage(bonnie.page, "hi @Bob Smith look");
      const forBonnie = row(bonnie.page, "hi @Bob Smith look");
      assert.doesNotMatch(
        await forBonnie.getAttribute("class") ?? "",
        /msg--mention/,
      );
      assert.equal(await forBonnie.locator(".mention").count(), 1);
      assert.equal(await forBonnie.locator(".mention--me").count(), 0);

      // The server's render highlights it too.
      await bob.page.reload();
      await waitForMessage(bob.page, "hi @Bob Smith look");
      assert.match(
        await row(bob.page, "hi @Bob Smith look").getAttribute("class") ?? "",
        /\bmsg--mention\b/,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

async function expectFocused(page: Page, id: string): Promise<void> {
  assert.equal(await page.evaluate(() => document.activeElement?.id), id);
}

/** Opens the header's Notifications menu and waits for its panel. */
async function openNotifications(page: Page): Promise<void> {
  await onPage(page, "opening the Notifications menu", async () => {
    await page.locator(".notify-toggle").click();
    await page.getByRole("group", { name: "Notify me about" }).waitFor();
  });
}

Deno.test({
  name: "the room's notification level is saved and shown after a reload",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const { page } = await browser.page(await browser.context());
      await joinViaLobby(page, server.origin, "lena", "levels");
      await openNotifications(page);
      const all = page.getByRole("radio", { name: "All messages" });
      const mentions = page.getByRole("radio", {
        name: "Mentions and direct messages",
      });
      assert.equal(await mentions.isChecked(), true, "the default");
      const saved = page.waitForResponse((r) =>
        r.url().endsWith("/api/rooms/levels/notifications") &&
        r.request().method() === "PUT"
      );
      await all.check();
      assert.equal((await saved).status(), 200);
      // A menu: Escape closes it, back to its toggle; so does a press outside.
      const menu = page.locator("details.notify-menu");
      await all.press("Escape");
      assert.equal(
        await menu.evaluate((d) => (d as HTMLDetailsElement).open),
        false,
      );
      assert.equal(
        await page.evaluate(() => document.activeElement?.className),
        "notify-toggle",
      );
      await page.locator(".notify-toggle").click();
      await page.locator(".log-scroller").click();
      assert.equal(
        await menu.evaluate((d) => (d as HTMLDetailsElement).open),
        false,
      );

      await page.reload();
      await waitFor(page, "the menu", () => page.$(".notify-toggle"));
      await openNotifications(page);
      assert.equal(await all.isChecked(), true);
      assert.equal(await mentions.isChecked(), false);
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

Deno.test({
  name: "without JavaScript the level is a form that saves it",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const context = await browser.context({ javaScriptEnabled: false });
      const { page } = await browser.page(context);
      await onPage(page, "posting without JavaScript", async () => {
        await page.goto(`${server.origin}/rooms/quiet`);
        // No name yet: no level to set.
        assert.equal(await page.locator(".notify-form").count(), 0);
        await page.getByRole("textbox", { name: "Name" }).fill("nils");
        await page.getByRole("textbox", { name: "Message" }).fill("hello");
        await Promise.all([
          page.waitForURL(/#m-1$/),
          page.getByRole("button", { name: "Send" }).click(),
        ]);
      });
      const nothing = page.getByRole("radio", { name: "Nothing" });
      assert.equal(
        await page.getByRole("radio", { name: "Mentions and direct messages" })
          .isChecked(),
        true,
      );
      await onPage(page, "saving the level", async () => {
        await nothing.check();
        await Promise.all([
          page.waitForURL(/\/rooms\/quiet$/),
          page.getByRole("button", { name: "Save" }).click(),
        ]);
      });
      assert.equal(await nothing.isChecked(), true);
      // JavaScript on, the same session: the menu shows it too.
      const cookies = await context.cookies(server.origin);
      const live = await browser.context();
      await live.addCookies(cookies);
      const { page: livePage } = await browser.page(live);
      await livePage.goto(`${server.origin}/rooms/quiet`);
      await waitFor(livePage, "the menu", () => livePage.$(".notify-toggle"));
      await openNotifications(livePage);
      assert.equal(
        await livePage.getByRole("radio", { name: "Nothing" }).isChecked(),
        true,
      );
    });
  },
});

/** The page's service worker's notifications, as plain data. */
function shownNotifications(page: Page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration("/");
    const list = await registration?.getNotifications() ?? [];
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      url: (n.data as { url?: string } | null)?.url,
      icon: n.icon,
    }));
  });
}

/** The service worker of `context` once it runs. */
async function serviceWorker(
  page: Page,
  context: BrowserContext,
): Promise<Worker> {
  return await waitFor(
    page,
    "the service worker",
    () => context.serviceWorkers().find((w) => w.url().endsWith("/sw.js")),
  );
}

/**
 * A push subscription the browser cannot make headless (it has no push
 * service): `subscribe` answers one with real P-256 and auth keys and an
 * endpoint on the test push origin the server is told to accept.
 */
function fakePushService(endpoint: string): string {
  return `(() => {
    const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    // Kept like the browser keeps a real one, across reloads.
    const saved = () => JSON.parse(localStorage.getItem("fake-push") ?? "null");
    const subscription = ({ json, key }) => ({
      endpoint: json.endpoint,
      options: {
        applicationServerKey: Uint8Array.from(atob(key), (c) => c.charCodeAt(0))
          .buffer,
      },
      toJSON: () => json,
      unsubscribe: async () => true,
    });
    PushManager.prototype.getSubscription = async function () {
      return saved() && subscription(saved());
    };
    PushManager.prototype.subscribe = async function (options) {
      const pair = await crypto.subtle.generateKey(
        { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
      const p256dh = b64(await crypto.subtle.exportKey("raw", pair.publicKey));
      const auth = b64(crypto.getRandomValues(new Uint8Array(16)));
      globalThis.subscribedWithKey = b64(options.applicationServerKey);
      const json = { endpoint: ${
    JSON.stringify(endpoint)
  }, expirationTime: null, keys: { p256dh, auth } };
      const key = String.fromCharCode(...new Uint8Array(options.applicationServerKey));
      localStorage.setItem("fake-push", JSON.stringify({ json, key: btoa(key) }));
      return subscription(saved());
    };
  })();`;
}

Deno.test({
  name:
    "Enable notifications: permission, the service worker at /, a subscription with the server's key stored",
  ...NO_LEAKS,
  async fn() {
    const pushOrigin = "http://127.0.0.1:9";
    await withChatBrowser({
      isolates: 1,
      env: { CHAT_PUSH_TEST_ORIGINS: pushOrigin },
    }, async (server, browser) => {
      const context = await browser.context();
      await context.grantPermissions(["notifications"], {
        origin: server.origin,
      });
      await context.addInitScript(fakePushService(`${pushOrigin}/push/1`));
      const { page } = await browser.page(context);
      await joinViaLobby(page, server.origin, "nora", "pushy");
      await openNotifications(page);
      const stored = page.waitForResponse((r) =>
        r.url().endsWith("/api/push/subscriptions") &&
        r.request().method() === "POST"
      );
      await page.getByRole("button", { name: "Enable notifications" }).click();
      assert.equal((await stored).status(), 201);
      await waitFor(
        page,
        "notifications to say they are on",
        () => page.getByText("Notifications are on in this browser.").count(),
      );
      // The subscription was made with the server's key.
      const keys = await page.evaluate(async () => ({
        server: (await (await fetch("/api/push/key")).json()).key,
        used: (globalThis as { subscribedWithKey?: string }).subscribedWithKey,
      }));
      assert.ok(keys.server);
      assert.equal(keys.used, keys.server);
      const scope = await page.evaluate(async () =>
        (await navigator.serviceWorker.ready).scope
      );
      assert.equal(scope, `${server.origin}/`);
      // Reloaded, the menu knows (no button, no question asked again).
      await page.reload();
      await waitFor(page, "the menu", () => page.$(".notify-toggle"));
      await openNotifications(page);
      await waitFor(
        page,
        "notifications to be on",
        () => page.getByText("Notifications are on in this browser.").count(),
      );
      assert.equal(
        await page.getByRole("button", { name: "Enable notifications" })
          .count(),
        0,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

Deno.test({
  name:
    "the service worker shows a pushed message (DevTools deliverPushMessage) and its click opens the room",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const context = await browser.context();
      await context.grantPermissions(["notifications"], {
        origin: server.origin,
      });
      const { page } = await browser.page(context);
      await joinViaLobby(page, server.origin, "pia", "here");
      // The worker the app registers (what Enable notifications does first).
      await page.evaluate(async () => {
        await navigator.serviceWorker.register("/sw.js", { scope: "/" });
        await navigator.serviceWorker.ready;
      });

      const cdp = await context.newCDPSession(page);
      const registrations = new Map<string, string>();
      cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => {
        for (const r of event.registrations) {
          if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
        }
      });
      await cdp.send("ServiceWorker.enable");
      const registrationId = await waitFor(
        page,
        "the registration's id",
        () => registrations.get(`${server.origin}/`),
      );
      const payload = {
        room: "elsewhere",
        seq: 7,
        from: { id: "u_x", name: "alice" },
        text: "are you there?",
        url: "/rooms/elsewhere",
        title: "alice in #elsewhere",
        tag: "elsewhere:7",
      };
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin: server.origin,
        registrationId,
        data: JSON.stringify(payload),
      });
      const shown = await waitFor(
        page,
        "the notification",
        async () =>
          (await shownNotifications(page)).find((n) => n.tag === "elsewhere:7"),
      );
      assert.deepEqual(shown, {
        title: "alice in #elsewhere",
        body: "are you there?",
        tag: "elsewhere:7",
        url: `${server.origin}/rooms/elsewhere`,
        icon: `${server.origin}/static/icons/icon-192.png`,
      });
      // The same message pushed again: still one notification (its tag).
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin: server.origin,
        registrationId,
        data: JSON.stringify(payload),
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        (await shownNotifications(page)).filter((n) => n.tag === payload.tag)
          .length,
        1,
      );

      // A click. Headless Chromium has no way to click a notification, so
      // the test dispatches the event to the worker's own handler; a
      // synthetic event may not open or focus windows, so the worker's
      // `clients` records what it is asked instead.
      const worker = await serviceWorker(page, context);
      const asked = await worker.evaluate(async (origin) => {
        const g = self as unknown as {
          clients: unknown;
          registration: ServiceWorkerRegistration;
          NotificationEvent: new (
            type: string,
            init: { notification: Notification },
          ) => Event;
        };
        const calls: string[] = [];
        const tabs = [`${origin}/rooms/here`];
        Object.defineProperty(self, "clients", {
          configurable: true,
          value: {
            matchAll: () =>
              Promise.resolve(tabs.map((url) => ({
                url,
                focus: () => Promise.resolve(calls.push(`focus ${url}`)),
              }))),
            openWindow: (url: string) =>
              Promise.resolve(calls.push(`open ${url}`)),
          },
        });
        const click = async (tag: string) => {
          const [n] = await g.registration.getNotifications({ tag });
          try {
            self.dispatchEvent(
              new g.NotificationEvent("notificationclick", { notification: n }),
            );
          } catch {
            // waitUntil refuses untrusted events; the handler ran before.
          }
          await new Promise((r) => setTimeout(r, 100));
        };
        await click("elsewhere:7");
        const left = (await g.registration.getNotifications()).length;
        // Now with a tab on that room: it is focused instead.
        tabs.push(`${origin}/rooms/elsewhere#m-7`);
        await g.registration.showNotification("again", {
          tag: "elsewhere:8",
          data: { url: `${origin}/rooms/elsewhere` },
        });
        await click("elsewhere:8");
        return { calls, left };
      }, server.origin);
      assert.deepEqual(asked, {
        calls: [
          `open ${server.origin}/rooms/elsewhere`,
          `focus ${server.origin}/rooms/elsewhere#m-7`,
        ],
        left: 0, // the clicked notification is closed
      });
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

Deno.test({
  name:
    "a hidden tab notifies of a mention (the push's title and tag), not of other messages",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const context = await browser.context();
      await context.grantPermissions(["notifications"], {
        origin: server.origin,
      });
      const pia = await browser.page(context);
      const bob = await browser.page(await browser.context());
      await joinViaLobby(pia.page, server.origin, "pia", "hidden");
      await joinViaLobby(bob.page, server.origin, "bob", "hidden");
      await pia.page.evaluate(async () => {
        await navigator.serviceWorker.register("/sw.js", { scope: "/" });
        await navigator.serviceWorker.ready;
        // Headless tabs are never hidden: this one says it is.
        Object.defineProperty(document, "visibilityState", {
          configurable: true,
          get: () => "hidden",
        });
        document.dispatchEvent(new Event("visibilitychange"));
      });
      await send(bob.page, "nothing for pia");
      await send(bob.page, "@pia are you there?");
      await waitForMessage(pia.page, "@pia are you there?");
      const seq = await row(pia.page, "@pia are you there\\?")
        .getAttribute("data-seq");
      const shown = await waitFor(
        pia.page,
        "the notification",
        async () => (await shownNotifications(pia.page))[0],
      );
      assert.deepEqual(shown, {
        title: "bob in #hidden",
        body: "@pia are you there?",
        tag: `hidden:${seq}`,
        url: "/rooms/hidden",
        icon: `${server.origin}/static/icons/icon-192.png`,
      });
      assert.equal((await shownNotifications(pia.page)).length, 1);
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

Deno.test({
  name: "the web app manifest and its icons are served",
  ...NO_LEAKS,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const { page } = await browser.page(await browser.context());
      await page.goto(`${server.origin}/`);
      const href = await page.locator('link[rel="manifest"]').getAttribute(
        "href",
      );
      const res = await fetch(new URL(href!, server.origin));
      assert.equal(
        res.headers.get("content-type"),
        "application/manifest+json",
      );
      const manifest = await res.json();
      assert.equal(manifest.display, "standalone");
      assert.equal(manifest.start_url, "/");
      const icons: string[] = manifest.icons.map((i: { src: string }) => i.src);
      icons.push(
        (await page.locator('link[rel="apple-touch-icon"]').getAttribute(
          "href",
        ))!,
      );
      for (const src of icons) {
        const icon = await fetch(new URL(src, server.origin));
        await icon.body?.cancel();
        assert.equal(icon.status, 200, src);
        assert.match(icon.headers.get("content-type") ?? "", /^image\//, src);
      }
      const sw = await fetch(`${server.origin}/sw.js`);
      await sw.body?.cancel();
      assert.equal(sw.status, 200);
      assert.match(sw.headers.get("content-type") ?? "", /^text\/javascript/);
    });
  },
});
