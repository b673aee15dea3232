/**
 * Browser tests of the reconnect UX: while the server is down the banner
 * counts down to the next try, second by second, and offers "Reconnect
 * now", which connects at once when the server is back; the online list is
 * marked stale meanwhile. The browser going offline is noticed while the
 * socket is still open, and its return reconnects.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer, type TestServer } from "../helpers/server.ts";
import { launchBrowser, waitFor } from "../helpers/browser.ts";
import { ensureClientBuild, openRoom, waitLive } from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

const bannerStatus = (page: Page) =>
  page.locator(".banner").getAttribute("data-status");

/** The seconds the banner's countdown shows, or `null` without one. */
async function countdown(page: Page): Promise<number | null> {
  // Not a locator: those wait for the element, and it comes and goes.
  const text = await page.$eval(
    ".banner",
    (el) => el.querySelector(".countdown")?.textContent ?? "",
  );
  const match = /Next try in (\d+) s/.exec(text);
  return match ? Number(match[1]) : null;
}

browserTest(
  "while the server is down the banner counts down; Reconnect now connects at once when it is back",
  async () => {
    await ensureClientBuild();
    let server: TestServer = await startServer({ isolates: 1 });
    const browser = await launchBrowser();
    try {
      const { page } = await browser.page(await browser.context());
      await openRoom(page, server.origin, "countdown");
      // Connected comes with `welcome`; the online list is fresh once `joined` is.
      await waitFor(
        page,
        "the online list to be fresh",
        async () => await page.locator(".online[data-stale]").count() === 0,
      );

      await server.stop();
      // Failed tries back off (0.5, 1, 2, 4, 8 s…): wait for a wait of 3 s or more.
      let first: number | null = null;
      await waitFor(page, "a countdown of 3 s or more", async () => {
        first = await countdown(page);
        return first !== null && first >= 3;
      }, 30_000);
      assert.equal(await bannerStatus(page), "reconnecting");
      assert.equal(await page.locator(".online[data-stale]").count(), 1);
      // It ticks.
      await waitFor(page, "the countdown to tick", async () => {
        const now = await countdown(page);
        return now !== null && now < first!;
      }, 2_500);

      server = await startServer({
        isolates: 1,
        port: server.port,
        kvPath: server.kvPath,
      });
      // Wait for the next long countdown, so the click (not a timer) connects.
      await waitFor(page, "a countdown of 2 s or more", async () => {
        if ((await bannerStatus(page)) === "connected") return true;
        const left = await countdown(page);
        return left !== null && left >= 2;
      }, 30_000);
      if ((await bannerStatus(page)) !== "connected") {
        const clicked = Date.now();
        await page.getByRole("button", { name: "Reconnect now" }).click();
        await waitLive(page, 5_000);
        assert.ok(Date.now() - clicked < 2_000, "connected before the timer");
      }
      assert.equal(await page.locator(".online[data-stale]").count(), 0);
      assert.deepEqual(browser.pageErrors(), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);

browserTest(
  "going offline is noticed with the socket still open, and coming back online reconnects",
  async () => {
    await ensureClientBuild();
    const server = await startServer({ isolates: 1 });
    const browser = await launchBrowser();
    try {
      const context = await browser.context();
      const { page } = await browser.page(context);
      await openRoom(page, server.origin, "offline");
      await context.setOffline(true);
      await waitFor(
        page,
        "the banner to say offline",
        async () => (await bannerStatus(page)) === "offline",
        3_000,
      );
      assert.equal(await page.locator(".online[data-stale]").count(), 1);
      await context.setOffline(false);
      await waitLive(page, 5_000);
      assert.deepEqual(browser.pageErrors(), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);
