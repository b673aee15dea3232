/**
 * Private rooms and direct messages as new people use them, in Chromium: a
 * person creates a private room in the lobby and invites a friend with a
 * link, a stranger neither sees nor opens it, and the "Message" button on a
 * name opens the same direct-message room for both people.
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

/** Creates `room` from the lobby's form, as `name`. */
async function createInLobby(
  page: Page,
  origin: string,
  name: string,
  room: string,
  visibility: "Public" | "Private",
): Promise<void> {
  await onPage(page, `creating #${room} in the lobby`, async () => {
    await page.goto(`${origin}/`);
    await page.getByRole("textbox", { name: "Name" }).fill(name);
    await page.getByRole("textbox", { name: "Room" }).fill(room);
    await page.getByRole("radio", { name: visibility }).check();
    await Promise.all([
      page.waitForURL(`**/rooms/${room}`),
      page.getByRole("button", { name: "Create room" }).click(),
    ]);
  });
}

Deno.test({
  name:
    "a private room: created in the lobby, a friend joins by invite link, a stranger sees nothing of it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const marker = `marker-${crypto.randomUUID().slice(0, 8)}`;
      const owner = await browser.page(await browser.context());
      await createInLobby(
        owner.page,
        server.origin,
        "olive",
        "secret-club",
        "Private",
      );
      await waitLive(owner.page);
      await send(owner.page, `the password is ${marker}`);
      await waitForMessage(owner.page, `the password is ${marker}`);

      // The owner makes an invite link on the people page.
      const link = await onPage(owner.page, "making an invite", async () => {
        await owner.page.getByRole("link", { name: "People and moderation" })
          .click();
        await owner.page.waitForURL("**/rooms/secret-club/people");
        await owner.page.getByRole("button", { name: "Create an invite link" })
          .click();
        return await owner.page.getByRole("textbox", { name: "Invite link" })
          .inputValue();
      });
      assert.match(link, /\/invites\/secret-club\./);

      // The friend opens it, picks a name and lands in the room.
      const friend = await browser.page(await browser.context());
      await onPage(friend.page, "redeeming the invite", async () => {
        await friend.page.goto(link);
        await friend.page.getByRole("textbox", { name: "Your name" }).fill(
          "fred",
        );
        await Promise.all([
          friend.page.waitForURL("**/rooms/secret-club"),
          friend.page.getByRole("button", { name: "Join #secret-club" })
            .click(),
        ]);
      });
      await waitLive(friend.page);
      await waitForMessage(friend.page, `the password is ${marker}`);
      await owner.page.getByRole("link", { name: "Back to #secret-club" })
        .click();
      await waitLive(owner.page);
      await send(friend.page, "thanks for the invite");
      await waitForMessage(owner.page, "thanks for the invite");

      // Both find it in their lobby, labelled as theirs.
      for (const p of [owner.page, friend.page]) {
        await p.goto(`${server.origin}/`);
        const own = p.getByRole("region", {
          name: "Your private rooms and direct messages",
        });
        assert.equal(
          await own.getByRole("link", { name: "#secret-club" }).count(),
          1,
        );
      }

      // A stranger with a name of their own: not in their lobby, and the
      // room's pages show nothing of it.
      const stranger = await browser.page(await browser.context());
      await joinViaLobby(stranger.page, server.origin, "trudy", "elsewhere");
      await stranger.page.goto(`${server.origin}/`);
      await stranger.page.waitForTimeout(300);
      assert.equal(
        await stranger.page.locator('[data-room="secret-club"]').count(),
        0,
      );
      assert.ok(!(await stranger.page.content()).includes("secret-club"));
      for (const path of ["", "/people"]) {
        const res = await stranger.page.goto(
          `${server.origin}/rooms/secret-club${path}`,
        );
        assert.equal(res?.status(), 403, path);
        assert.equal(
          await stranger.page.getByRole("heading", { level: 1 }).innerText(),
          "This room is private",
        );
        const html = await stranger.page.content();
        assert.ok(!html.includes(marker), "no message");
        assert.ok(
          !html.includes("olive") && !html.includes("fred"),
          "no names",
        );
      }
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});

/** Opens the menu on `name` in the online list and presses "Message". */
async function messageFromOnlineList(page: Page, name: string): Promise<void> {
  await onPage(page, `messaging ${name}`, async () => {
    const entry = page.locator(".online li").filter({ hasText: name });
    await waitFor(page, `${name} online`, () => entry.count());
    await entry.locator("summary").click();
    await Promise.all([
      page.waitForURL(/\/rooms\/dm-[0-9a-f]+$/),
      entry.getByRole("button", { name: `Message ${name}` }).click(),
    ]);
  });
}

Deno.test({
  name:
    "the Message button on a name opens the same direct-message room for both people",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const alice = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "hall");
      await joinViaLobby(bob.page, server.origin, "bob", "hall");

      await messageFromOnlineList(alice.page, "bob");
      const dm = new URL(alice.page.url()).pathname;
      await waitLive(alice.page);
      assert.equal(
        await alice.page.getByRole("heading", { level: 1 }).innerText(),
        "Direct message with bob",
      );
      // The sidebar and the composer name the person, not the room.
      assert.equal(
        await alice.page.getByRole("textbox", { name: "Message" })
          .getAttribute("placeholder"),
        "Message bob",
      );
      const sidebar = await alice.page.locator(".sidebar-rooms").innerText();
      assert.match(sidebar, /@bob/);
      assert.ok(!sidebar.includes("dm-"), sidebar);
      await send(alice.page, "psst, bob");

      await messageFromOnlineList(bob.page, "alice");
      assert.equal(new URL(bob.page.url()).pathname, dm, "the same room");
      await waitLive(bob.page);
      await waitForMessage(bob.page, "psst, bob");
      assert.equal(
        await bob.page.getByRole("heading", { level: 1 }).innerText(),
        "Direct message with alice",
      );

      // A message author's name has the button too (not one's own).
      await bob.page.goto(`${server.origin}/rooms/hall`);
      await waitLive(bob.page);
      await send(alice.page, "back in the hall soon");
      await alice.page.goto(`${server.origin}/rooms/hall`);
      await waitLive(alice.page);
      await send(alice.page, "hello hall");
      await waitForMessage(bob.page, "hello hall");
      const author = bob.page.locator(
        '.msg[data-user-id]:has(.msg-author:text-is("alice"))',
      ).first();
      await author.locator("summary").click();
      await Promise.all([
        bob.page.waitForURL(`**${dm}`),
        author.getByRole("button", { name: "Message alice" }).click(),
      ]);
      assert.equal(
        await bob.page.locator(".msg[data-user-id] summary").count(),
        0,
        "no Message menu inside a direct message",
      );

      // The lobby lists it for both, named after the other person.
      await bob.page.goto(`${server.origin}/`);
      assert.equal(
        await bob.page.getByRole("link", { name: "Direct message with alice" })
          .count(),
        1,
      );
      await alice.page.goto(`${server.origin}/`);
      assert.equal(
        await alice.page.getByRole("link", { name: "Direct message with bob" })
          .count(),
        1,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
