/**
 * Guests are marked as guests wherever names show, in Chromium: message
 * authors, the online list and the typing line, live and as the server
 * renders them; a claimed name (claimed with a password) shows plainly with
 * a check mark, and its owner is not offered "Sign in".
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  openRoom,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

/** What marks `name`'s latest message and their online entry carry. */
async function marksOf(page: Page, name: string) {
  const author = page.locator(".person-name").filter({
    has: page.locator(`.msg-author:text-is("${name}")`),
  }).last();
  const online = page.locator(".online li").filter({ hasText: name });
  return {
    authorGuest: await author.locator(".guest-badge").count(),
    authorClaimed: await author.locator(".claimed-mark").count(),
    onlineGuest: await online.locator(".guest-badge").count(),
    onlineClaimed: await online.locator(".claimed-mark").count(),
  };
}

Deno.test({
  name:
    "guests carry a guest badge on messages, online and typing; a claimed name does not",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const room = "badges";
      // Claire takes a name and claims it before she opens the room (the
      // requests share the context's cookies).
      const claire = await browser.page(await browser.context());
      const named = await claire.page.request.post(
        `${server.origin}/api/session`,
        { data: { name: "claire" } },
      );
      assert.equal(named.status(), 201, await named.text());
      const claim = await claire.page.request.post(
        `${server.origin}/api/account/password`,
        { data: { password: "correct horse battery staple" } },
      );
      assert.equal(claim.status(), 201, await claim.text());
      await openRoom(claire.page, server.origin, room);

      const gus = await browser.page(await browser.context());
      await joinViaLobby(gus.page, server.origin, "gus", room);
      await send(claire.page, "hello from an account");
      await send(gus.page, "hello from a guest");
      for (const p of [claire.page, gus.page]) {
        await waitForMessage(p, "hello from an account");
        await waitForMessage(p, "hello from a guest");
        await waitFor(
          p,
          "both online",
          async () => (await p.locator(".online li").count()) === 2,
        );
        assert.deepEqual(await marksOf(p, "gus"), {
          authorGuest: 1,
          authorClaimed: 0,
          onlineGuest: 1,
          onlineClaimed: 0,
        });
        assert.deepEqual(await marksOf(p, "claire"), {
          authorGuest: 0,
          authorClaimed: 1,
          onlineGuest: 0,
          onlineClaimed: 1,
        });
      }

      // The typing line marks the guest, not the account.
      await gus.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("typing", { delay: 20 });
      await waitFor(
        claire.page,
        "gus typing, marked",
        () =>
          claire.page.locator('.typing-name[data-guest]:text-is("gus")')
            .count(),
      );
      await claire.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("typing", { delay: 20 });
      await waitFor(
        gus.page,
        "claire typing",
        () => gus.page.locator('.typing-name:text-is("claire")').count(),
      );
      assert.equal(
        await gus.page.locator(".typing-name[data-guest]").count(),
        0,
      );

      // "Sign in" only for the guest.
      assert.equal(
        await claire.page.getByRole("link", { name: "Sign in" }).count(),
        0,
      );
      assert.equal(
        await gus.page.getByRole("link", { name: "Sign in" }).count(),
        1,
      );
      assert.equal(
        await claire.page.getByRole("link", { name: "Your account" }).count(),
        1,
      );

      // The server's rendering marks them the same (JavaScript off).
      const plain = await browser.page(
        await browser.context({ javaScriptEnabled: false }),
      );
      await onPage(
        plain.page,
        "reading the room without JavaScript",
        () => plain.page.goto(`${server.origin}/rooms/${room}`),
      );
      const { authorGuest, authorClaimed } = await marksOf(plain.page, "gus");
      assert.deepEqual([authorGuest, authorClaimed], [1, 0]);
      const claimed = await marksOf(plain.page, "claire");
      assert.deepEqual(
        [claimed.authorGuest, claimed.authorClaimed],
        [0, 1],
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
