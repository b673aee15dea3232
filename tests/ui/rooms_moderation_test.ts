/**
 * Moderating a public room in Chromium, as its people would: the owner
 * creates it in the lobby and makes someone a moderator on the people
 * page; the moderator deletes a person's message, bans them while they
 * have the room open (their page says so and stops taking messages) and
 * turns slow mode on (a member's quick second message is refused with the
 * wait, and stays in the composer).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  send,
  waitForMessage,
  waitLive,
  withChatBrowser,
} from "../helpers/ui.ts";

/** The row of `name` on the people page. */
function row(page: Page, name: string) {
  return page.locator(".person-row").filter({
    has: page.locator(`.person-name > span:text-is("${name}")`),
  });
}

/** Submits a form on the people page and waits for the redirect back. */
async function submitAndReturn(page: Page, click: () => Promise<void>) {
  const back = page.waitForResponse((res) =>
    res.request().method() === "POST" && res.status() === 303
  );
  await click();
  await back;
  await page.waitForLoadState();
}

Deno.test({
  name:
    "a moderator deletes a message, bans someone who has the room open and sets slow mode; the banned page stops, a quick second message waits",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const room = "town";
      const owner = await browser.page(await browser.context());
      await onPage(owner.page, "creating the room", async () => {
        await owner.page.goto(`${server.origin}/`);
        await owner.page.getByRole("textbox", { name: "Name" }).fill("mona");
        await owner.page.getByRole("textbox", { name: "Room" }).fill(room);
        await owner.page.getByRole("radio", { name: "Public" }).check();
        await Promise.all([
          owner.page.waitForURL(`**/rooms/${room}`),
          owner.page.getByRole("button", { name: "Create room" }).click(),
        ]);
      });
      const mod = await browser.page(await browser.context());
      const sam = await browser.page(await browser.context());
      const pat = await browser.page(await browser.context());
      await joinViaLobby(mod.page, server.origin, "max", room);
      await joinViaLobby(sam.page, server.origin, "sam", room);
      await joinViaLobby(pat.page, server.origin, "pat", room);
      await send(sam.page, "spam spam spam");

      // The owner makes max a moderator.
      await onPage(owner.page, "making max a moderator", async () => {
        await owner.page.goto(`${server.origin}/rooms/${room}/people`);
        await submitAndReturn(
          owner.page,
          () =>
            row(owner.page, "max").getByRole("button", {
              name: "Make moderator",
            }).click(),
        );
      });
      assert.equal(
        await row(owner.page, "max").getAttribute("data-role"),
        "moderator",
      );

      await owner.page.goto(`${server.origin}/rooms/${room}`);
      await waitLive(owner.page);

      // Max now deletes sam's message, and has the moderation link.
      await mod.page.reload();
      await waitLive(mod.page);
      await onPage(mod.page, "deleting sam's message", async () => {
        const spam = mod.page.locator(".msg").filter({
          hasText: "spam spam spam",
        });
        await spam.hover();
        await spam.getByRole("button", { name: "Delete" }).click();
        await spam.locator(".msg-confirm").getByRole("button", {
          name: "Delete",
        }).click();
      });
      await waitForMessage(owner.page, "This message was deleted.");
      await onPage(mod.page, "banning sam", async () => {
        await mod.page.getByRole("link", { name: "People and moderation" })
          .click();
        await mod.page.waitForURL(`**/rooms/${room}/people`);
        const samRow = row(mod.page, "sam");
        await samRow.getByRole("combobox").selectOption({ label: "1 hour" });
        await submitAndReturn(
          mod.page,
          () => samRow.getByRole("button", { name: "Ban sam" }).click(),
        );
      });
      assert.match(
        await row(mod.page, "sam").innerText(),
        /banned until \d{4}-/,
      );

      // Sam's open page says so and takes no more messages.
      await waitFor(
        sam.page,
        "the banned banner",
        () => sam.page.getByText(`You were banned from #${room}`).count(),
      );
      assert.equal(
        await sam.page.getByRole("textbox", { name: "Message" }).count(),
        0,
      );
      const banned = await sam.page.goto(`${server.origin}/rooms/${room}`);
      assert.equal(banned?.status(), 403);

      // Slow mode: 30 s between a member's messages.
      await onPage(mod.page, "setting slow mode", async () => {
        await mod.page.getByRole("combobox", { name: "Slow mode" })
          .selectOption({ label: "30 s" });
        await submitAndReturn(
          mod.page,
          () => mod.page.getByRole("button", { name: "Set slow mode" }).click(),
        );
      });
      assert.match(
        await mod.page.locator(".tagline").innerText(),
        /one message every 30 s/,
      );
      await send(pat.page, "first, in time");
      await waitForMessage(owner.page, "first, in time");
      await send(pat.page, "second, too soon");
      await waitFor(
        pat.page,
        "the slow-mode wait",
        async () =>
          /Slow mode: wait \d+ s/.test(
            await pat.page.locator(".composer").innerText(),
          ),
      );
      assert.equal(
        await pat.page.getByRole("textbox", { name: "Message" }).inputValue(),
        "second, too soon",
        "the draft is kept",
      );
      await owner.page.waitForTimeout(500);
      assert.ok(
        !(await owner.page.locator(".msg-text").allInnerTexts()).includes(
          "second, too soon",
        ),
        "not sent later behind the person's back",
      );

      // Lifting the ban lets sam back in.
      await onPage(mod.page, "lifting the ban", async () => {
        await mod.page.goto(`${server.origin}/rooms/${room}/people`);
        await submitAndReturn(
          mod.page,
          () =>
            row(mod.page, "sam").getByRole("button", { name: "Lift ban" })
              .click(),
        );
      });
      const back = await sam.page.goto(`${server.origin}/rooms/${room}`);
      assert.equal(back?.status(), 200);
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
