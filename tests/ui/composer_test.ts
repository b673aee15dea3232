/**
 * Browser tests of the composer: on a phone Enter adds a line and the Send
 * button sends (the hint says nothing about Shift+Enter); a stale error goes
 * when the text is cleared.
 */
import assert from "node:assert/strict";
import { waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  messageTexts,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

Deno.test({
  name:
    "on a phone Enter adds a line and Send sends; a stale error goes with the text",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const context = await browser.browser.newContext({
        viewport: { width: 390, height: 780 },
        hasTouch: true,
        isMobile: true,
      });
      const { page } = await browser.page(context);
      await joinViaLobby(page, server.origin, "pat", "phone");
      const box = page.getByRole("textbox", { name: "Message" });
      const help = page.locator("#composer-help");
      assert.doesNotMatch(await help.innerText(), /Shift\+Enter/);
      await box.fill("first line");
      await box.press("Enter");
      await box.pressSequentially("second line");
      assert.equal(await box.inputValue(), "first line\nsecond line");
      assert.deepEqual(await messageTexts(page), []);
      await page.getByRole("button", { name: "Send" }).click();
      await waitForMessage(page, "first line\nsecond line");

      // Only spaces: an error; clearing the text takes it away.
      await box.fill("   ");
      await page.getByRole("button", { name: "Send" }).click();
      await waitFor(page, "the error", () => page.$(".composer-error"));
      await box.fill("");
      await waitFor(
        page,
        "the error to go",
        async () => (await page.$(".composer-error")) === null,
      );
      assert.deepEqual(browser.pageErrors(), []);
      await context.close();
    });
  },
});
