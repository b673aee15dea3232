/**
 * Browser test of the room on a phone (390×844, touch) in a long room: the
 * sidebar behind its button, a long press that shows a message's actions
 * (and is not also a tap on the link under the finger), and a reply whose
 * original is not loaded, reached by loading older pages.
 */
import assert from "node:assert/strict";
import { waitFor } from "../helpers/browser.ts";
import { waitLive, withChatBrowser } from "../helpers/ui.ts";

async function api(
  origin: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${origin}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: HTTP ${res.status}`);
  return await res.json();
}

Deno.test({
  name:
    "on a phone: the sidebar behind a button, a long press shows the actions, a reply's quote loads older pages to reach its original",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({
      isolates: 1,
      env: { CHAT_SEND_RATE: "0" },
    }, async (server, browser) => {
      const { token } = await api(server.origin, "/api/session", {
        name: "seed-bot",
      }) as { token: string };
      const post = (id: string, text: string, replyTo?: number) =>
        api(
          server.origin,
          "/api/rooms/far/messages",
          { id, text, replyTo },
          token,
        );
      await post("origin", "The very first message");
      for (let n = 1; n <= 120; n++) await post(`fill-${n}`, `filler ${n}`);
      await post("answer", "Answering the first one", 1);

      const context = await browser.browser.newContext({
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.origin}/rooms/far`);
      await waitLive(page);

      // The sidebar: hidden until its button opens it.
      const sidebar = page.getByRole("navigation", { name: "Rooms" });
      const toggle = page.getByRole("button", { name: "Rooms" });
      assert.equal(await sidebar.isVisible(), false);
      assert.equal(await toggle.getAttribute("aria-expanded"), "false");
      await toggle.click();
      assert.equal(await sidebar.isVisible(), true);
      assert.equal(await toggle.getAttribute("aria-expanded"), "true");
      assert.equal(
        await sidebar.locator('[aria-current="page"]').getAttribute("href"),
        "/rooms/far",
      );
      // Escape closes it, back to its button.
      await sidebar.getByRole("link", { name: "All rooms" }).focus();
      await page.keyboard.press("Escape");
      assert.equal(await sidebar.isVisible(), false);
      assert.equal(
        await page.evaluate(() => document.activeElement?.className),
        "sidebar-toggle icon-button",
      );

      // The original is not loaded: the quote says so.
      const answer = page.locator(".msg").filter({
        has: page.locator(".msg-text", { hasText: "Answering the first one" }),
      });
      const quote = answer.locator(".msg-reply");
      assert.equal(
        await quote.locator(".msg-reply-text").innerText(),
        "an earlier message",
      );
      assert.equal(await page.locator("#m-1").count(), 0);

      // A long press on the quote shows the actions, and does not jump.
      const box = await quote.boundingBox();
      assert.ok(box);
      const cdp = await context.newCDPSession(page);
      const point = { x: box.x + 10, y: box.y + box.height / 2 };
      await cdp.send("Input.dispatchTouchEvent", {
        type: "touchStart",
        touchPoints: [point],
      });
      await new Promise((r) => setTimeout(r, 800));
      await cdp.send("Input.dispatchTouchEvent", {
        type: "touchEnd",
        touchPoints: [],
      });
      await waitFor(
        page,
        "the long-pressed message's actions",
        async () =>
          (await answer.getAttribute("class"))?.includes("msg--active"),
      );
      assert.ok(await answer.locator(".msg-actions").isVisible());
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await page.locator("#m-1").count(), 0, "no jump");

      // A tap on the quote loads older pages until the original is there.
      await quote.tap();
      await waitFor(
        page,
        "the original, highlighted",
        async () => (await page.locator("#m-1.msg--highlight").count()) === 1,
        15_000,
      );
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        "m-1",
      );
      assert.equal(
        await quote.locator(".msg-reply-text").innerText(),
        "The very first message",
      );
      assert.deepEqual(errors, []);
      await context.close();
    });
  },
});
