/**
 * Browser tests of a long room: older history loads when scrolling up, a
 * "new messages" marker appears when scrolled away, and a person without a
 * session is asked for a name before posting.
 */
import assert from "node:assert/strict";
import { waitFor } from "../helpers/browser.ts";
import {
  messageTexts,
  openRoom,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

async function botToken(origin: string): Promise<string> {
  const res = await fetch(`${origin}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "seed-bot" }),
  });
  return (await res.json()).token;
}

async function post(
  origin: string,
  token: string,
  room: string,
  id: string,
  text: string,
): Promise<void> {
  const res = await fetch(`${origin}/api/rooms/${room}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ id, text }),
  });
  await res.body?.cancel();
  assert.ok(res.ok, `seed post ${id}: HTTP ${res.status}`);
}

Deno.test({
  name:
    "older messages load when scrolling up; a marker shows new messages; a name is asked before posting",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0" },
    }, async (server, browser) => {
      const token = await botToken(server.origin);
      for (let n = 1; n <= 120; n++) {
        await post(server.origin, token, "long", `seed-${n}`, `seed ${n}`);
      }

      const { page } = await browser.page(await browser.context());
      await openRoom(page, server.origin, "long");
      let texts = await messageTexts(page);
      assert.equal(texts.length, 50, "the latest page is server-rendered");
      assert.equal(texts[0], "seed 71");
      assert.equal(texts.at(-1), "seed 120");

      // Scrolling to the top loads older pages until the beginning.
      const log = page.getByRole("log");
      await waitFor(page, "all 120 messages after scrolling up", async () => {
        await log.evaluate((el) =>
          el.scrollTo({ top: -el.scrollHeight, behavior: "instant" })
        );
        texts = await messageTexts(page);
        return texts.length === 120;
      }, 15_000);
      assert.deepEqual(
        texts,
        Array.from({ length: 120 }, (_, i) => `seed ${i + 1}`),
      );
      assert.equal(
        await page.locator("a.older").count(),
        0,
        "no more older messages",
      );

      // Scrolled away from the bottom, new messages are counted, not scrolled to.
      await post(
        server.origin,
        token,
        "long",
        "new-1",
        "while you were reading",
      );
      await waitForMessage(page, "while you were reading");
      const button = page.getByRole("button", { name: /1 new message/ });
      await waitFor(page, "the new-messages button", () => button.count());
      assert.equal(
        await page.locator(".sep--unseen").innerText(),
        "New messages",
      );
      await button.click();
      await waitFor(
        page,
        "the button to go away at the bottom",
        async () => (await button.count()) === 0,
      );
      assert.ok(
        await log.evaluate((el) => el.scrollTop > -50),
        "scrolled to the bottom",
      );

      // No session: the composer asks for a name first (the browser's own
      // validation of the required Name field stops the post).
      const before = (await messageTexts(page)).length;
      await page.getByRole("textbox", { name: "Message" }).fill("who am I?");
      await page.getByRole("button", { name: "Send" }).click();
      const name = page.getByRole("textbox", { name: "Name" });
      assert.equal(
        await name.evaluate((el) =>
          (el as HTMLInputElement).validity.valueMissing
        ),
        true,
      );
      assert.equal(
        await name.evaluate((el) => el === document.activeElement),
        true,
        "focus on Name",
      );
      assert.equal((await messageTexts(page)).length, before, "nothing posted");
      await page.getByRole("textbox", { name: "Name" }).fill("zoe");
      await page.getByRole("button", { name: "Send" }).click();
      await waitFor(
        page,
        "zoe's message stored",
        () => page.$('.msg--own [data-state="stored"]'),
      );
      assert.equal(
        await page.locator(".msg--own .msg-author").innerText(),
        "zoe",
      );
      assert.equal(
        await page.getByRole("textbox", { name: "Name" }).count(),
        0,
        "named now",
      );
      await waitFor(
        page,
        "zoe online",
        async () => (await page.locator(".online").innerText()).includes("zoe"),
      );
      // The session cookie was set: a reload still knows the name.
      await openRoom(page, server.origin, "long");
      assert.equal(
        await page.getByRole("textbox", { name: "Name" }).count(),
        0,
      );
      await send(page, "still zoe");
      await waitFor(
        page,
        "stored again",
        async () =>
          (await page.locator('.msg--own [data-state="stored"]').count()) === 2,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
