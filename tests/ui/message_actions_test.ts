/**
 * Browser test of message actions between two people on a real server
 * (2 isolates): a reply, a reaction, an edit and a deletion made through the
 * page show live on the other person's page, and the folded state is what
 * that person sees after reloading. Also the room sidebar.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  messageTexts,
  send,
  waitForMessage,
  waitLive,
  withChatBrowser,
} from "../helpers/ui.ts";

/** The message row whose text is exactly `text`. */
function row(page: Page, text: string) {
  return page.locator(".msg").filter({
    has: page.locator(".msg-text", { hasText: new RegExp(`^${text}$`) }),
  });
}

/** What a page shows of the conversation, for comparing two pages. */
function shown(page: Page) {
  return page.locator(".messages .msg").evaluateAll((rows) =>
    rows.map((r) => ({
      text: r.querySelector(".msg-text")?.textContent ?? "",
      edited: r.querySelector(".msg-edited") !== null,
      reply: r.querySelector(".msg-reply .msg-reply-text")?.textContent ?? null,
      chips: [...r.querySelectorAll(".chip")].map((c) =>
        c.getAttribute("aria-label") ?? c.textContent
      ),
    }))
  );
}

Deno.test({
  name:
    "two people: a reply, a reaction, an edit and a deletion show live and after a reload",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const alice = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "team");
      await joinViaLobby(bob.page, server.origin, "bob", "team");

      await send(alice.page, "Lunch at noon?");
      await send(alice.page, "Typo here: tomorow");
      await send(alice.page, "This one goes away");
      await waitForMessage(bob.page, "This one goes away");

      // Bob replies through the message's Reply action.
      await onPage(bob.page, "replying", async () => {
        const original = row(bob.page, "Lunch at noon\\?");
        await original.hover();
        await original.getByRole("button", { name: "Reply" }).click();
        await waitFor(
          bob.page,
          "the reply bar",
          async () =>
            (await bob.page.locator(".reply-bar").innerText()).includes(
              "Replying to alice",
            ),
        );
      });
      await send(bob.page, "Yes, noon works");
      assert.equal(await bob.page.locator(".reply-bar").count(), 0);
      await waitForMessage(alice.page, "Yes, noon works");
      const reply = row(alice.page, "Yes, noon works").locator(".msg-reply");
      assert.equal(
        await reply.innerText().then((t) => t.replace(/\s+/g, " ").trim()),
        "↪ Reply to alice Lunch at noon?",
      );

      // Bob reacts with 🎉 from the picker (keyboard: focus, Enter).
      await onPage(bob.page, "reacting", async () => {
        const target = row(bob.page, "Lunch at noon\\?");
        await target.getByRole("button", { name: "Add reaction" }).focus();
        await bob.page.keyboard.press("Enter");
        await target.getByRole("button", { name: "React with 🎉" }).click();
      });
      const aliceChip = row(alice.page, "Lunch at noon\\?").locator(".chip");
      await waitFor(
        alice.page,
        "bob's reaction",
        async () => (await aliceChip.count()) === 1,
      );
      assert.equal(await aliceChip.getAttribute("aria-label"), "🎉 1: bob");
      assert.equal(await aliceChip.getAttribute("aria-pressed"), "false");
      // Alice adds hers by clicking the chip.
      await aliceChip.click();
      const bobChip = row(bob.page, "Lunch at noon\\?").locator(".chip");
      await waitFor(
        bob.page,
        "two reactions",
        async () =>
          (await bobChip.getAttribute("aria-label")) ===
            "🎉 2: you and alice",
      );
      assert.equal(await bobChip.getAttribute("aria-pressed"), "true");

      // Alice edits inline: Enter saves.
      await onPage(alice.page, "editing", async () => {
        const mine = row(alice.page, "Typo here: tomorow");
        await mine.hover();
        await mine.getByRole("button", { name: "Edit" }).click();
        const box = alice.page.getByRole("textbox", { name: "Edit message" });
        await box.fill("Typo here: tomorrow");
        await box.press("Enter");
      });
      await waitForMessage(bob.page, "Typo here: tomorrow");
      await waitFor(
        bob.page,
        "the edited marker",
        async () =>
          (await row(bob.page, "Typo here: tomorrow").locator(".msg-edited")
            .count()) === 1,
      );
      // Bob has no Edit or Delete on Alice's messages.
      const theirs = row(bob.page, "Typo here: tomorrow");
      await theirs.hover();
      assert.equal(
        await theirs.getByRole("button", { name: "Edit" }).count(),
        0,
      );
      assert.equal(
        await theirs.getByRole("button", { name: "Delete" }).count(),
        0,
      );

      // Alice deletes, after confirming.
      await onPage(alice.page, "deleting", async () => {
        const doomed = row(alice.page, "This one goes away");
        await doomed.hover();
        await doomed.getByRole("button", { name: "Delete" }).click();
        await doomed.locator(".msg-confirm").getByRole("button", {
          name: "Delete",
        }).click();
      });
      await waitFor(
        bob.page,
        "the deletion",
        async () =>
          (await messageTexts(bob.page)).includes("This message was deleted."),
      );
      assert.ok(!(await messageTexts(bob.page)).includes("This one goes away"));

      // A reply's quote jumps to its original.
      await row(bob.page, "Yes, noon works").locator(".msg-reply").click();
      await waitFor(
        bob.page,
        "the highlighted original",
        async () =>
          (await row(bob.page, "Lunch at noon\\?").getAttribute("class"))
            ?.includes("msg--highlight"),
      );

      // After a reload Bob sees the same folded conversation.
      const live = await shown(bob.page);
      await onPage(bob.page, "reloading", () => bob.page.reload());
      await waitLive(bob.page);
      assert.deepEqual(await shown(bob.page), live);
      assert.deepEqual(live.map((m) => m.text), [
        "Lunch at noon?",
        "Typo here: tomorrow",
        "This message was deleted.",
        "Yes, noon works",
      ]);
      assert.deepEqual(live[0].chips, ["🎉 2: you and alice"]);
      assert.equal(live[1].edited, true);
      assert.equal(live[3].reply, "Lunch at noon?");

      // The sidebar lists the room, marked current, on every page.
      const current = bob.page.locator('.sidebar a[aria-current="page"]');
      assert.equal(await current.getAttribute("href"), "/rooms/team");
      await onPage(bob.page, "another room", async () => {
        await bob.page.goto(`${server.origin}/rooms/other`);
      });
      await waitLive(bob.page);
      assert.deepEqual(
        await bob.page.locator(".sidebar-rooms a").evaluateAll((as) =>
          as.map((
            a,
          ) => [a.getAttribute("href"), a.getAttribute("aria-current")])
        ),
        [["/rooms/other", "page"], ["/rooms/team", null]],
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
