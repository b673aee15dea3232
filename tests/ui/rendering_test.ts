/**
 * Browser tests of what the pages render: Markdown in messages (live and
 * from the server, the same), a name typed in the lobby carried through a
 * room link, and the 404 page for an unknown URL.
 */
import assert from "node:assert/strict";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  openRoom,
  send,
  waitForMessage,
  waitLive,
  withChatBrowser,
} from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

browserTest(
  "Markdown renders as code, emphasis and quotes while HTML stays text, live and server-rendered",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const writer = await browser.page(await browser.context());
      const reader = await browser.page(await browser.context());
      let dialogs = 0;
      for (const p of [writer.page, reader.page]) {
        p.on("dialog", (d) => {
          dialogs++;
          void d.dismiss();
        });
      }
      await joinViaLobby(writer.page, server.origin, "writer", "md");
      await openRoom(reader.page, server.origin, "md");
      const text = [
        "**bold** and `a < b` and _em_",
        "```js",
        "<img src=x onerror=alert(1)>",
        "```",
        "> quoted [x](javascript:alert(2))",
        "<img src=x onerror=alert(3)> https://deno.com/",
      ].join("\n");
      await send(writer.page, text);
      const last = (p: typeof reader.page) =>
        p.locator(".msg .msg-text").last();
      await waitFor(
        reader.page,
        "the code block",
        async () => (await last(reader.page).locator("pre code").count()) === 1,
      );

      const reloaded = await browser.page(await browser.context());
      reloaded.page.on("dialog", (d) => {
        dialogs++;
        void d.dismiss();
      });
      await openRoom(reloaded.page, server.origin, "md");
      const shapes: string[] = [];
      for (const p of [writer.page, reader.page, reloaded.page]) {
        const msg = last(p);
        await waitFor(p, "the message", async () => (await msg.count()) === 1);
        assert.equal(
          await msg.locator("pre code.language-js").innerText(),
          "<img src=x onerror=alert(1)>",
        );
        assert.equal(await msg.locator("strong").innerText(), "bold");
        assert.equal(await msg.locator("p code").innerText(), "a < b");
        assert.equal(await msg.locator("em").innerText(), "em");
        assert.equal(
          await msg.locator("blockquote").innerText(),
          "quoted [x](javascript:alert(2))",
        );
        assert.equal(await p.locator(".messages img").count(), 0);
        const links = await msg.locator("a").evaluateAll((as) =>
          as.map((a) => [a.getAttribute("href"), a.getAttribute("rel")])
        );
        assert.deepEqual(links, [[
          "https://deno.com/",
          "noopener noreferrer nofollow ugc",
        ]]);
        assert.ok(
          (await msg.innerText()).includes("<img src=x onerror=alert(3)>"),
        );
        shapes.push(await msg.evaluate((el) => el.innerHTML));
      }
      // The island and the server render the same markup.
      assert.equal(shapes[1], shapes[2]);

      // The archive (history without JavaScript) renders it too, in a real
      // list: every <li> directly in a <ul>/<ol> that keeps its list role.
      await onPage(reloaded.page, "opening the archive", async () => {
        await reloaded.page.goto(`${server.origin}/rooms/md?before=100`);
      });
      assert.equal(
        await last(reloaded.page).locator("pre code").innerText(),
        "<img src=x onerror=alert(1)>",
      );
      assert.deepEqual(
        await reloaded.page.evaluate(() =>
          [...document.querySelectorAll("li")]
            .filter((li) =>
              !["UL", "OL"].includes(li.parentElement?.tagName ?? "") ||
              li.parentElement?.hasAttribute("role") ||
              li.hasAttribute("role")
            )
            .map((li) => li.outerHTML.slice(0, 80))
        ),
        [],
      );
      assert.equal(dialogs, 0, "no alert ran");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "a name typed in the lobby survives following a room link",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const first = await browser.page(await browser.context());
      await joinViaLobby(first.page, server.origin, "host", "listed");
      await send(first.page, "welcome");
      await waitForMessage(first.page, "welcome");

      const guest = await browser.page(await browser.context());
      const { page } = guest;
      await onPage(page, "following a room link in the lobby", async () => {
        await page.goto(`${server.origin}/`);
        await page.waitForSelector("[data-island][data-hydrated]");
        await page.getByRole("textbox", { name: "Name" }).fill("rosa");
        await Promise.all([
          page.waitForURL("**/rooms/listed"),
          page.getByRole("link", { name: "#listed" }).click(),
        ]);
      });
      await waitLive(page);
      // Named already: the composer does not ask, and others see the name.
      assert.equal(
        await page.getByRole("textbox", { name: "Name" }).count(),
        0,
      );
      await send(page, "hi from rosa");
      await waitForMessage(first.page, "hi from rosa");
      await waitFor(
        first.page,
        "rosa's name on her message",
        async () =>
          (await first.page.locator(".msg-author").allInnerTexts()).includes(
            "rosa",
          ),
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "an unknown URL shows the 404 page; API paths answer JSON",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const { page } = await browser.page(await browser.context());
      const res = await page.goto(`${server.origin}/no/such/page`);
      assert.equal(res?.status(), 404);
      assert.equal(
        await page.getByRole("heading", { level: 1 }).innerText(),
        "Page not found",
      );
      assert.equal(await page.title(), "Page not found · Comet Chat");
      await Promise.all([
        page.waitForURL(`${server.origin}/`),
        page.getByRole("link", { name: "Go to the rooms" }).click(),
      ]);
      const api = await fetch(`${server.origin}/api/no/such`, {
        headers: { accept: "text/html" },
      });
      assert.equal(api.status, 404);
      assert.equal((await api.json()).error.code, "not_found");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);
