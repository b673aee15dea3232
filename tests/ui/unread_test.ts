/**
 * Browser tests of read positions and unread counts against a real server:
 * one person's two tabs (reading in one clears the badge in the other's
 * sidebar), counts that leave out the person's own and deleted messages,
 * mention badges (the sidebar, the lobby), the title count, the "New
 * messages" divider on opening a room (server-rendered, so without
 * JavaScript too), and exact counts after a reconnect.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { api, guest } from "../helpers/api.ts";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  openRoom,
  waitForMessage,
  waitLive,
  withChatBrowser,
} from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

let ids = 0;

/** Posts a message over HTTP as `token`; its `seq`. */
async function post(
  origin: string,
  token: string,
  room: string,
  text: string,
): Promise<number> {
  const reply = await api(
    origin,
    "POST",
    `/api/rooms/${room}/messages`,
    token,
    { id: `unread-${++ids}`, text },
  );
  assert.ok(reply.status === 201, `post: ${reply.status} ${reply.text}`);
  return reply.json.seq;
}

/** Deletes message `target` over HTTP as `token`. */
async function remove(
  origin: string,
  token: string,
  room: string,
  target: number,
): Promise<void> {
  const reply = await api(
    origin,
    "POST",
    `/api/rooms/${room}/messages`,
    token,
    { id: `unread-${++ids}`, type: "delete", target },
  );
  assert.ok(reply.status === 201, `delete: ${reply.status} ${reply.text}`);
}

/** The session token of a browser context (its cookie). */
async function tokenOf(origin: string, context: BrowserContext) {
  const cookie = (await context.cookies(origin)).find((c) =>
    c.name === "chat_session"
  );
  assert.ok(cookie, "a session cookie");
  return cookie.value;
}

/** The person's counts in `room` as `GET /api/rooms` lists them. */
async function listed(origin: string, token: string, room: string) {
  const reply = await api(origin, "GET", "/api/rooms", token);
  const entry = reply.json.rooms.find((r: { room: string }) => r.room === room);
  return { unread: entry?.unread, mentions: entry?.mentions };
}

/** The accessible name of the sidebar's link to `room`. */
function sidebarName(page: Page, room: string): Promise<string> {
  return page.locator(`.sidebar-rooms a[href="/rooms/${room}"]`).evaluate(
    (el) => (el.textContent ?? "").replace(/^[#@]/, ""),
  );
}

async function waitSidebar(page: Page, room: string, expected: string) {
  let last = "";
  await waitFor(page, `the sidebar to say ${expected}`, async () => {
    last = await sidebarName(page, room);
    return last === expected;
  }, 10_000).catch((err) => {
    throw new Error(`${err.message} (it says ${JSON.stringify(last)})`);
  });
}

async function waitTitle(page: Page, expected: string) {
  let last = "";
  await waitFor(page, `the title ${expected}`, async () => {
    last = await page.title();
    return last === expected;
  }, 10_000).catch((err) => {
    throw new Error(`${err.message} (it is ${JSON.stringify(last)})`);
  });
}

/** Makes the page hidden, or visible again, as a background tab would be. */
function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate((hidden) => {
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => hidden ? "hidden" : "visible",
    });
    Object.defineProperty(document, "hidden", {
      configurable: true,
      get: () => hidden,
    });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

browserTest(
  "unread across two tabs: counts leave out one's own and deleted messages, a mention is apart, reading in one tab clears the other's badge and title",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const origin = server.origin;
      const context = await browser.context();
      const { page: tabA } = await browser.page(context);
      const { page: tabB } = await browser.page(context);
      await joinViaLobby(tabA, origin, "alice", "general");
      await openRoom(tabB, origin, "random");
      const alice = await tokenOf(origin, context);
      const bob = (await guest(origin, "bob")).token;
      // Tab A leaves the room: nobody reads it now.
      await onPage(tabA, "going to the lobby", () => tabA.goto(`${origin}/`));

      await post(origin, bob, "general", "before alice");
      await post(origin, alice, "general", "alice's own");
      const first = await post(origin, bob, "general", "one");
      const gone = await post(origin, bob, "general", "two (deleted)");
      await post(origin, bob, "general", "@alice three");
      await remove(origin, bob, "general", gone);

      // Tab B watches general: its badge and title update live.
      await waitSidebar(tabB, "general", "general(2 unread, 1 mention)@12");
      await waitTitle(tabB, "(2) #random · Comet Chat");
      assert.deepEqual(await listed(origin, alice, "general"), {
        unread: 2,
        mentions: 1,
      });

      // The lobby lists them too.
      await onPage(tabA, "reloading the lobby", () => tabA.reload());
      assert.equal(
        await tabA.locator('.room-card[data-room="general"] .room-link')
          .textContent(),
        "#general(2 unread, 1 mention)@12",
      );

      // Tab A opens general: the divider is before the first unread one.
      await openRoom(tabA, origin, "general");
      const divider = tabA.locator(".sep--unseen + li .msg-text").first();
      assert.equal(await divider.innerText(), "one");
      assert.equal(
        await tabA.locator(`#m-${first}`).evaluate((el) =>
          el.previousElementSibling?.classList.contains("sep--unseen")
        ),
        true,
      );
      // Seen in tab A: tab B's badge and title clear without a reload.
      await waitSidebar(tabB, "general", "general");
      await waitTitle(tabB, "#random · Comet Chat");
      await waitTitle(tabA, "#general · Comet Chat");
      assert.deepEqual(await listed(origin, alice, "general"), {
        unread: 0,
        mentions: 0,
      });

      // The divider stays while new messages come…
      await post(origin, bob, "general", "four");
      await waitForMessage(tabA, "four");
      assert.equal(await tabA.locator(".sep--unseen").count(), 1);
      // …and goes when the person sends.
      const box = tabA.getByRole("textbox", { name: "Message" });
      await box.fill("thanks");
      await box.press("Enter");
      await waitForMessage(tabA, "thanks");
      assert.equal(await tabA.locator(".sep--unseen").count(), 0);
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "a hidden tab counts new messages in its title and does not mark them read; shown, it does",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const origin = server.origin;
      const context = await browser.context();
      const { page } = await browser.page(context);
      await joinViaLobby(page, origin, "alice", "general");
      const alice = await tokenOf(origin, context);
      const bob = (await guest(origin, "bob")).token;

      await setHidden(page, true);
      await post(origin, bob, "general", "while away");
      await waitForMessage(page, "while away");
      await waitTitle(page, "(1) #general · Comet Chat");
      await post(origin, bob, "general", "still away");
      await waitTitle(page, "(2) #general · Comet Chat");
      // Long enough for a debounced read frame, had one been sent.
      await page.waitForTimeout(1_500);
      assert.deepEqual(await listed(origin, alice, "general"), {
        unread: 2,
        mentions: 0,
      });

      await setHidden(page, false);
      await waitTitle(page, "#general · Comet Chat");
      await waitFor(
        page,
        "the server to have the position",
        async () => (await listed(origin, alice, "general")).unread === 0,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "counts are exact after a reconnect: messages and reads while offline",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const origin = server.origin;
      const context = await browser.context();
      const { page } = await browser.page(context);
      await joinViaLobby(page, origin, "alice", "general");
      await openRoom(page, origin, "random");
      const bob = (await guest(origin, "bob")).token;
      await post(origin, bob, "general", "first");
      await waitSidebar(page, "general", "general(1 unread)1");

      await context.setOffline(true);
      await waitFor(
        page,
        "the banner to say offline",
        () => page.$('.banner[data-status="offline"]'),
      );
      await post(origin, bob, "general", "second");
      const third = await post(origin, bob, "general", "@alice third");
      await post(origin, bob, "general", "fourth");
      await remove(origin, bob, "general", third);
      await context.setOffline(false);
      await waitLive(page);
      await waitSidebar(page, "general", "general(3 unread)3");
      await waitTitle(page, "(3) #random · Comet Chat");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "without JavaScript the room opens with the New messages divider and the sidebar's counts",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const origin = server.origin;
      const live = await browser.context();
      const { page } = await browser.page(live);
      await joinViaLobby(page, origin, "alice", "general");
      await openRoom(page, origin, "random");
      await onPage(page, "leaving", () => page.goto(`${origin}/`));
      const bob = (await guest(origin, "bob")).token;
      const first = await post(origin, bob, "general", "news");
      await post(origin, bob, "random", "@alice over here");

      const noJs = await browser.context({ javaScriptEnabled: false });
      await noJs.addCookies(await live.cookies(origin));
      const { page: plain } = await browser.page(noJs);
      await onPage(
        plain,
        "opening general",
        () => plain.goto(`${origin}/rooms/general`),
      );
      assert.equal(
        await plain.locator(".sep--unseen").innerText(),
        "New messages",
      );
      assert.equal(
        await plain.locator(`#m-${first}`).evaluate((el) =>
          el.previousElementSibling?.classList.contains("sep--unseen")
        ),
        true,
      );
      assert.equal(await plain.title(), "(2) #general · Comet Chat");
      assert.equal(
        await sidebarName(plain, "random"),
        "random(1 unread, 1 mention)@11",
      );
    });
  },
);

browserTest(
  "over SSE and long polling: reading is a POST, and the sidebar's counts come from /api/rooms",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const origin = server.origin;
      const context = await browser.context();
      const { page: tabA } = await browser.page(context);
      const { page: tabB } = await browser.page(context);
      await joinViaLobby(tabA, origin, "alice", "general");
      await onPage(tabA, "going to the lobby", () => tabA.goto(`${origin}/`));
      const alice = await tokenOf(origin, context);
      const bob = (await guest(origin, "bob")).token;
      await onPage(tabB, "opening random over SSE", async () => {
        await tabB.goto(`${origin}/rooms/random?transport=sse`);
      });
      await waitLive(tabB);
      assert.equal(await sidebarName(tabB, "general"), "general");

      await post(origin, bob, "general", "@alice one");
      await post(origin, bob, "general", "two");
      // No watch over HTTP: a page shown again (or focused) asks.
      await setHidden(tabB, true);
      await setHidden(tabB, false);
      await waitSidebar(tabB, "general", "general(2 unread, 1 mention)@12");
      await waitTitle(tabB, "(2) #random · Comet Chat");

      await onPage(tabA, "opening general over long polling", async () => {
        await tabA.goto(`${origin}/rooms/general?transport=longpoll`);
      });
      await waitLive(tabA);
      await waitFor(
        tabA,
        "the read position to be posted",
        async () => (await listed(origin, alice, "general")).unread === 0,
      );
      await setHidden(tabB, true);
      await setHidden(tabB, false);
      await waitSidebar(tabB, "general", "general");
      await waitTitle(tabB, "#random · Comet Chat");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "a room with more unread than fits opens at the divider, and is read only once scrolled to the bottom",
  async () => {
    await withChatBrowser(
      { isolates: 1, env: { CHAT_SEND_RATE: "0" } },
      async (server, browser) => {
        const origin = server.origin;
        const context = await browser.context();
        const { page } = await browser.page(context);
        await joinViaLobby(page, origin, "alice", "long");
        await onPage(page, "leaving", () => page.goto(`${origin}/`));
        const alice = await tokenOf(origin, context);
        const bob = (await guest(origin, "bob")).token;
        const first = await post(origin, bob, "long", "unread 1");
        for (let n = 2; n <= 40; n++) {
          await post(origin, bob, "long", `unread ${n}`);
        }

        await openRoom(page, origin, "long");
        const log = page.getByRole("log");
        const box = async (selector: string) =>
          (await page.locator(selector).boundingBox())!;
        const logBox = await log.boundingBox();
        const divider = await box(".sep--unseen");
        assert.ok(
          divider.y >= logBox!.y - 1 && divider.y < logBox!.y + 100,
          `the divider at the top of the log (${divider.y} vs ${logBox!.y})`,
        );
        assert.ok(await page.locator(`#m-${first}`).isVisible());
        await waitTitle(page, "(40) #long · Comet Chat");
        await page.waitForTimeout(1_500); // a debounced read would be out
        assert.equal((await listed(origin, alice, "long")).unread, 40);

        await log.evaluate((el) =>
          el.scrollTo({ top: 0, behavior: "instant" })
        );
        await waitTitle(page, "#long · Comet Chat");
        await waitFor(
          page,
          "the server to have the position",
          async () => (await listed(origin, alice, "long")).unread === 0,
        );
        assert.equal(await page.locator(".sep--unseen").count(), 1);
        assert.deepEqual(browser.pageErrors(), []);
      },
    );
  },
);
