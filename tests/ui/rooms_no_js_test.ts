/**
 * Rooms and moderation without JavaScript, in Chromium with JavaScript off:
 * the lobby's form creates a room, and the people page's forms ban someone
 * (whose open page, with JavaScript, shows the ban at once), set slow mode,
 * lift the ban and show a refusal as a plain error.
 */
import assert from "node:assert/strict";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

Deno.test({
  name:
    "without JavaScript a person creates a room and bans someone through plain forms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const room = "plain-mods";
      const { page } = await browser.page(
        await browser.context({ javaScriptEnabled: false }),
      );
      await onPage(page, "creating a room without JavaScript", async () => {
        await page.goto(`${server.origin}/`);
        await page.getByRole("textbox", { name: "Name" }).fill("nora");
        await page.getByRole("textbox", { name: "Room" }).fill(room);
        await page.getByRole("radio", { name: "Public" }).check();
        await Promise.all([
          page.waitForURL(`**/rooms/${room}`),
          page.getByRole("button", { name: "Create room" }).click(),
        ]);
      });
      // Creating it again is refused, in words, on the lobby.
      await onPage(page, "creating it twice", async () => {
        await page.goto(`${server.origin}/`);
        await page.getByRole("textbox", { name: "Room" }).fill(room);
        await page.getByRole("button", { name: "Create room" }).click();
        await page.waitForSelector('[role="alert"]');
      });
      assert.match(await page.locator('[role="alert"]').innerText(), /exists/);

      const vic = await browser.page(await browser.context());
      await joinViaLobby(vic.page, server.origin, "vic", room);
      // What gets people banned; it also keeps vic on the people page once
      // he is gone (it lists members, who is online and recent authors).
      await send(vic.page, "buy cheap watches");
      await waitForMessage(vic.page, "buy cheap watches");

      await onPage(page, "banning vic with a form", async () => {
        await page.goto(`${server.origin}/rooms/${room}`);
        await Promise.all([
          page.waitForURL(`**/rooms/${room}/people`),
          page.getByRole("link", { name: "People and moderation" }).click(),
        ]);
        const row = page.locator('.person-row:has-text("vic")');
        await row.getByRole("combobox").selectOption({ label: "until lifted" });
        await Promise.all([
          page.waitForURL(/\/people#p-u_/),
          row.getByRole("button", { name: "Ban vic" }).click(),
        ]);
      });
      assert.match(
        await page.locator('.person-row:has-text("vic")').innerText(),
        /banned until lifted/,
      );
      await waitFor(
        vic.page,
        "the banned banner",
        () => vic.page.getByText(`You were banned from #${room}`).count(),
      );

      await onPage(page, "slow mode with a form", async () => {
        await page.getByRole("combobox", { name: "Slow mode" }).selectOption({
          label: "1 min",
        });
        await Promise.all([
          page.waitForURL(/#settings$/),
          page.getByRole("button", { name: "Set slow mode" }).click(),
        ]);
      });
      assert.match(
        await page.locator(".tagline").innerText(),
        /one message every 60 s/,
      );

      // A person who is not a moderator is refused, in words.
      const { page: eve } = await browser.page(
        await browser.context({ javaScriptEnabled: false }),
      );
      await eve.request.post(`${server.origin}/api/session`, {
        data: { name: "eve" },
      });
      const refused = await eve.request.post(
        `${server.origin}/rooms/${room}/people`,
        { form: { action: "slow", seconds: "0" }, maxRedirects: 0 },
      );
      assert.equal(refused.status(), 403);
      assert.match(await refused.text(), /role="alert">Cannot moderate/);

      // Vic's page left the room: he is listed all the same, as an author.
      await waitFor(page, "vic no longer online", async () => {
        await page.goto(`${server.origin}/rooms/${room}/people`);
        return !(await page.locator('.person-row:has-text("vic")').innerText())
          .includes("online");
      });
      await onPage(page, "lifting the ban with a form", async () => {
        await Promise.all([
          page.waitForURL(/#p-u_/),
          page.locator('.person-row:has-text("vic")').getByRole("button", {
            name: "Lift ban",
          }).click(),
        ]);
      });
      assert.doesNotMatch(
        await page.locator('.person-row:has-text("vic")').innerText(),
        /banned/,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
