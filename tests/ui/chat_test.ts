/**
 * Browser tests of the chat UI against a real server (2 isolates): two
 * people chatting, presence, typing, markup that stays text, and the lobby.
 * `UPDATE_SCREENSHOT=1 deno test -A tests/ui/chat_test.ts` also writes
 * `docs/screenshot.png`.
 */
import assert from "node:assert/strict";
import { waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  messageTexts,
  openRoom,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

browserTest(
  "two people in two browsers chat, see each other online and typing",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const alice = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "general");
      await joinViaLobby(bob.page, server.origin, "bob", "general");

      // Presence: each sees the other.
      await waitFor(
        alice.page,
        "bob online",
        async () =>
          (await alice.page.locator(".online li").allInnerTexts()).some((t) =>
            t.startsWith("bob")
          ),
      );
      await waitFor(
        bob.page,
        "alice online",
        async () =>
          (await bob.page.locator(".online li").allInnerTexts()).some((t) =>
            t.startsWith("alice")
          ),
      );

      await send(alice.page, "Hi Bob!");
      await waitForMessage(bob.page, "Hi Bob!");
      // Alice sees her own message stored; its seq is an anchor, not text.
      await waitFor(
        alice.page,
        "delivery state stored",
        () => alice.page.$('.msg--own [data-state="stored"]'),
      );
      const own = alice.page.locator(".msg--own").first();
      assert.match((await own.getAttribute("id")) ?? "", /^m-\d+$/);
      assert.doesNotMatch(await own.innerText(), /#\d/);

      // Typing: Bob types, Alice sees it; it goes away when he sends.
      await bob.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("Hello", { delay: 20 });
      await waitFor(
        alice.page,
        "bob is typing",
        async () =>
          (await alice.page.locator(".typing").innerText()).includes(
            "bob is typing",
          ),
      );
      await bob.page.getByRole("textbox", { name: "Message" }).press("Enter");
      await waitForMessage(alice.page, "Hello");
      await waitFor(
        alice.page,
        "typing cleared",
        async () => (await alice.page.locator(".typing").innerText()) === "",
      );

      // Shift+Enter makes a new line instead of sending.
      const box = bob.page.getByRole("textbox", { name: "Message" });
      await box.type("two");
      await box.press("Shift+Enter");
      await box.type("lines");
      assert.equal(await box.inputValue(), "two\nlines");
      await bob.page.getByRole("button", { name: "Send" }).click();
      await waitForMessage(alice.page, "two\nlines");

      // Both see the same conversation, once each, in order.
      const expected = ["Hi Bob!", "Hello", "two\nlines"];
      await waitFor(
        bob.page,
        "bob's log",
        async () =>
          (await messageTexts(bob.page)).join("|") === expected.join("|"),
      );
      assert.deepEqual(await messageTexts(alice.page), expected);

      // Auto-linking: http(s) only, opening safely.
      await send(
        alice.page,
        "docs at https://docs.deno.com/runtime/ and javascript:alert(1)",
      );
      await waitForMessage(
        bob.page,
        "docs at https://docs.deno.com/runtime/ and javascript:alert(1)",
      );
      const links = bob.page.locator(".msg-text a");
      assert.equal(await links.count(), 1);
      assert.equal(
        await links.getAttribute("href"),
        "https://docs.deno.com/runtime/",
      );
      assert.match((await links.getAttribute("rel")) ?? "", /noopener/);

      // The log is an ARIA log; the composer has the labelled controls.
      assert.equal(await alice.page.getByRole("log").count(), 1);
      assert.equal(
        await alice.page.getByRole("button", { name: "Send" }).count(),
        1,
      );

      assert.deepEqual(browser.pageErrors(), [], "no uncaught page errors");
      assert.deepEqual(
        [...alice.consoleErrors, ...bob.consoleErrors],
        [],
        "no console errors",
      );
    });
  },
);

browserTest("a markup payload is shown as text and runs nothing", async () => {
  await withChatBrowser({ isolates: 1 }, async (server, browser) => {
    const mallory = await browser.page(await browser.context());
    const victim = await browser.page(await browser.context());
    let dialogs = 0;
    for (const p of [mallory.page, victim.page]) {
      p.on("dialog", (d) => {
        dialogs++;
        void d.dismiss();
      });
    }
    await joinViaLobby(mallory.page, server.origin, "<b>mallory</b>", "xss");
    await openRoom(victim.page, server.origin, "xss");
    const payload =
      `<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script></script><!-- <a href="javascript:alert(3)">x</a>`;
    await send(mallory.page, payload);
    await waitForMessage(victim.page, payload);

    // Also after a full server render (the payload inside the island props).
    const reloaded = await browser.page(await browser.context());
    await openRoom(reloaded.page, server.origin, "xss");
    await waitForMessage(reloaded.page, payload);
    for (const p of [mallory.page, victim.page, reloaded.page]) {
      assert.equal(
        await p.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
        undefined,
      );
      assert.equal(
        await p.locator(".messages img, .messages script, .msg-text b").count(),
        0,
      );
      assert.equal(
        await p.locator('.messages a[href^="javascript"]').count(),
        0,
      );
      assert.equal(
        await p.locator(".msg-author").first().innerText(),
        "<b>mallory</b>",
      );
    }
    assert.equal(dialogs, 0, "no alert ran");
    assert.deepEqual(browser.pageErrors(), []);
  });
});

browserTest(
  "the lobby lists rooms with who is online, and validates room names",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const carol = await browser.page(await browser.context());
      await joinViaLobby(carol.page, server.origin, "carol", "lobby-test");
      await send(carol.page, "anyone?");
      await waitForMessage(carol.page, "anyone?");

      const dave = await browser.page(await browser.context());
      await dave.page.goto(`${server.origin}/`);
      const card = dave.page.locator('[data-room="lobby-test"]');
      await waitFor(
        dave.page,
        "the room card with carol",
        async () => (await card.innerText()).includes("carol"),
      );

      // Invalid names are refused on the page, with the contract's rule.
      await dave.page.getByRole("textbox", { name: "Room" }).fill("Bad Name");
      await dave.page.getByRole("button", { name: "Join room" }).click();
      await waitFor(
        dave.page,
        "the error",
        () => dave.page.$('[role="alert"]'),
      );
      assert.match(
        await dave.page.locator('[role="alert"]').innerText(),
        /Room names/,
      );
      assert.ok(dave.page.url().endsWith("/"), "stayed in the lobby");

      // Live: a new person in the room shows up without a reload.
      const erin = await browser.page(await browser.context());
      await joinViaLobby(erin.page, server.origin, "erin", "lobby-test");
      await waitFor(
        dave.page,
        "erin in the lobby list",
        async () => (await card.innerText()).includes("2 online"),
        15_000,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

Deno.test({
  name: "screenshot of a room for the docs (UPDATE_SCREENSHOT=1)",
  ignore: Deno.env.get("UPDATE_SCREENSHOT") !== "1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const alice = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      const carol = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "general");
      await joinViaLobby(bob.page, server.origin, "bob", "general");
      await joinViaLobby(carol.page, server.origin, "carol", "general");
      // Alice was in another room too: the sidebar lists it.
      await openRoom(alice.page, server.origin, "deploys");
      await openRoom(alice.page, server.origin, "general");
      const lines: [typeof alice, string][] = [
        [alice, "Morning! Is the deploy still on for today?"],
        [
          bob,
          "Yes, right after lunch. Release notes: https://docs.deno.com/runtime/",
        ],
        [
          bob,
          "The migration is the only **risky** part:\n```sql\nALTER TABLE rooms ADD COLUMN epoch text;\n```",
        ],
        [
          carol,
          "> the only risky part\n\nI'll keep an eye on the dashboards. Ping me here if `p99` looks off.",
        ],
        [alice, "Thanks both. <b>Markup</b> stays text, by the way."],
      ];
      // Markdown changes what shows, so wait for each by count, in order.
      for (const [i, [who, text]] of lines.entries()) {
        await send(who.page, text);
        await waitFor(
          alice.page,
          `message ${i + 1}`,
          async () => (await messageTexts(alice.page)).length === i + 1,
        );
      }
      // A reply, reactions and an edit, through the message actions.
      const row = (who: typeof alice, text: string) =>
        who.page.locator(".msg").filter({
          has: who.page.locator(".msg-text", { hasText: text }),
        });
      const notes = row(carol, "Release notes");
      await notes.hover();
      await notes.getByRole("button", { name: "Reply" }).click();
      await send(carol.page, "Great, I'll read them before lunch.");
      for (
        const [who, text, emoji] of [
          [alice, "Release notes", "👍"],
          [carol, "Release notes", "👍"],
          [carol, "migration", "👀"],
          [bob, "Markup", "🎉"],
        ] as const
      ) {
        const target = row(who, text);
        await target.hover();
        await target.getByRole("button", { name: "Add reaction" }).click();
        await target.getByRole("button", { name: `React with ${emoji}` })
          .click();
      }
      const mine = row(alice, "Markup");
      await mine.hover();
      await mine.getByRole("button", { name: "Edit" }).click();
      const editor = alice.page.getByRole("textbox", { name: "Edit message" });
      await editor.fill("Thanks both! <b>Markup</b> stays text, by the way.");
      await editor.press("Enter");
      await send(alice.page, "_Back after lunch._");
      await waitFor(
        alice.page,
        "the reply, reactions and edit",
        async () =>
          (await messageTexts(alice.page)).length === lines.length + 2 &&
          (await alice.page.locator(".chip").count()) === 3 &&
          (await alice.page.locator(".msg-edited").count()) === 1,
      );
      // The server relays one typing signal per second and person.
      await new Promise((r) => setTimeout(r, 1_100));
      await bob.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("Sounds", { delay: 20 });
      await waitFor(
        alice.page,
        "typing",
        async () => (await alice.page.locator(".typing").innerText()) !== "",
      );
      await alice.page.setViewportSize({ width: 1280, height: 800 });
      // No hover or focus ring on the picture.
      await alice.page.mouse.move(0, 0);
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await alice.page.screenshot({
        path: new URL("../../docs/screenshot.png", import.meta.url).pathname,
      });
    });
  },
});
