/**
 * The room works with JavaScript off: the latest messages are in the HTML,
 * and the composer's form post stores the message and redirects back.
 */
import assert from "node:assert/strict";
import { onPage, waitFor } from "../helpers/browser.ts";
import {
  messageTexts,
  openRoom,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

Deno.test({
  name: "a browser without JavaScript reads the room and posts to it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      // Someone with JavaScript is in the room, to see the post arrive live.
      const live = await browser.page(await browser.context());
      await openRoom(live.page, server.origin, "plain");

      const context = await browser.context({ javaScriptEnabled: false });
      const { page } = await browser.page(context);
      await onPage(page, "posting without JavaScript", async () => {
        await page.goto(`${server.origin}/rooms/plain`);
        assert.equal(await page.getByRole("log").count(), 1);
        assert.ok((await page.locator("noscript").count()) > 0);
        // No session yet: the form asks for a name.
        await page.getByRole("textbox", { name: "Name" }).fill("nojs");
        await page.getByRole("textbox", { name: "Message" }).fill(
          "Hello from a plain <form>",
        );
        await Promise.all([
          page.waitForURL(/\/rooms\/plain#m-1$/),
          page.getByRole("button", { name: "Send" }).click(),
        ]);
      });
      assert.deepEqual(await messageTexts(page), ["Hello from a plain <form>"]);
      await waitForMessage(live.page, "Hello from a plain <form>");

      // The cookie now carries the name: the next post needs only the text.
      await onPage(page, "posting again", async () => {
        assert.equal(
          await page.getByRole("textbox", { name: "Name" }).count(),
          0,
        );
        await page.getByRole("textbox", { name: "Message" }).fill("second");
        await Promise.all([
          page.waitForURL(/#m-2$/),
          page.getByRole("button", { name: "Send" }).click(),
        ]);
      });
      assert.deepEqual(await messageTexts(page), [
        "Hello from a plain <form>",
        "second",
      ]);
      assert.equal(
        await page.locator(".msg--own").last().getAttribute("data-seq"),
        "2",
      );
      assert.equal(
        await page.locator('.msg--own [data-state="stored"]').count(),
        2,
      );

      // A refused post shows the reason and keeps the draft.
      const tooLong = "x".repeat(4001);
      await onPage(page, "posting a message that is too long", async () => {
        await page.getByRole("textbox", { name: "Message" }).fill(tooLong);
        await page.getByRole("button", { name: "Send" }).click();
        await page.waitForSelector('[role="alert"]');
      });
      assert.match(await page.locator('[role="alert"]').innerText(), /4000/);
      assert.equal(
        await page.getByRole("textbox", { name: "Message" }).inputValue(),
        tooLong,
      );
      assert.deepEqual(await messageTexts(page), [
        "Hello from a plain <form>",
        "second",
      ]);

      // Edit, then delete, your own message with plain forms.
      await onPage(page, "editing without JavaScript", async () => {
        await Promise.all([
          page.waitForURL(/\/rooms\/plain\/messages\/2$/),
          page.getByRole("link", { name: /Edit or delete/ }).last().click(),
        ]);
        await page.getByRole("textbox", { name: "Edit your message" }).fill(
          "second, *edited*",
        );
        await Promise.all([
          page.waitForURL(/\/rooms\/plain(#m-2)?$/),
          page.getByRole("button", { name: "Save" }).click(),
        ]);
      });
      assert.deepEqual(await messageTexts(page), [
        "Hello from a plain <form>",
        "second, edited",
      ]);
      await waitForMessage(live.page, "second, edited");
      await onPage(page, "deleting without JavaScript", async () => {
        await Promise.all([
          page.waitForURL(/\/rooms\/plain\/messages\/1$/),
          page.getByRole("link", { name: /Edit or delete/ }).first().click(),
        ]);
        await Promise.all([
          page.waitForURL(/\/rooms\/plain(#m-1)?$/),
          page.getByRole("button", { name: "Delete this message" }).click(),
        ]);
      });
      assert.equal(
        await page.getByText("Hello from a plain <form>").count(),
        0,
        "the deleted text is gone from the page",
      );

      // The lobby's form works too, and lists the room.
      await onPage(page, "the lobby", async () => {
        await page.goto(`${server.origin}/`);
        await page.getByRole("textbox", { name: "Room" }).fill("another-room");
        await Promise.all([
          page.waitForURL(/\/rooms\/another-room$/),
          page.getByRole("button", { name: "Join room" }).click(),
        ]);
      });
      await page.goto(`${server.origin}/`);
      await waitFor(
        page,
        "the room in the list",
        () => page.$('[data-room="plain"]'),
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
