/**
 * Browser tests of what must survive: a message written while the server is
 * down is delivered exactly once when it is back, and an open page
 * reconnects after a restart and catches up without a reload.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer, type TestServer } from "../helpers/server.ts";
import { launchBrowser, waitFor } from "../helpers/browser.ts";
import {
  ensureClientBuild,
  joinViaLobby,
  messageTexts,
  send,
  waitForMessage,
  withChatBrowser,
} from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

async function bannerStatus(page: Page): Promise<string | null> {
  return await page.locator(".banner").getAttribute("data-status");
}

/** Posts as a fresh HTTP client (no browser). */
async function postAs(
  origin: string,
  name: string,
  room: string,
  id: string,
  text: string,
): Promise<number> {
  const session = await fetch(`${origin}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  }).then((r) => r.json());
  const res = await fetch(`${origin}/api/rooms/${room}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${session.token}`,
    },
    body: JSON.stringify({ id, text }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.seq;
}

async function storedTexts(origin: string, room: string): Promise<string[]> {
  const body = await fetch(`${origin}/api/rooms/${room}/messages?limit=100`)
    .then((r) => r.json());
  return body.messages.map((m: { text: string }) => m.text);
}

browserTest(
  "a message written while the server is down is delivered exactly once when it is back",
  async () => {
    await ensureClientBuild();
    let server: TestServer = await startServer({ isolates: 2 });
    const browser = await launchBrowser();
    try {
      const alice = await browser.page(await browser.context());
      const bob = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "outage");
      await joinViaLobby(bob.page, server.origin, "bob", "outage");
      await send(alice.page, "before the outage");
      await waitForMessage(bob.page, "before the outage");

      await server.stop();
      await waitFor(
        alice.page,
        "the banner to report the lost connection",
        async () => {
          const status = await bannerStatus(alice.page);
          return status === "reconnecting" || status === "offline";
        },
      );
      await send(alice.page, "written while the server was down");
      // Kept, shown as waiting, and stored in localStorage (survives a reload).
      await waitFor(
        alice.page,
        "the pending message",
        () => alice.page.$('.msg--own [data-state="queued"]'),
      );
      const kept = await alice.page.evaluate(() =>
        localStorage.getItem("chat.outbox.v1")
      );
      assert.match(kept ?? "", /written while the server was down/);

      server = await startServer({
        isolates: 2,
        port: server.port,
        kvPath: server.kvPath,
      });
      await waitForMessage(
        bob.page,
        "written while the server was down",
        30_000,
      );
      await waitFor(alice.page, "the message stored", async () => {
        const state = await alice.page.locator(".msg--own").last().locator(
          ".msg-state",
        ).getAttribute("data-state");
        return state === "stored";
      }, 15_000);
      await waitFor(
        alice.page,
        "connected again",
        async () => (await bannerStatus(alice.page)) === "connected",
      );

      // Exactly once: in storage, and in both pages.
      const texts = await storedTexts(server.origin, "outage");
      assert.deepEqual(texts, [
        "before the outage",
        "written while the server was down",
      ]);
      await new Promise((r) => setTimeout(r, 500)); // anything doubled would show by now
      assert.deepEqual(await messageTexts(bob.page), texts);
      assert.deepEqual(await messageTexts(alice.page), texts);
      assert.equal(
        await alice.page.evaluate(() => localStorage.getItem("chat.outbox.v1")),
        null,
      );
      assert.deepEqual(browser.pageErrors(), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
);

browserTest(
  "an open page reconnects after a server restart and catches up without a reload",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const alice = await browser.page(await browser.context());
      await joinViaLobby(alice.page, server.origin, "alice", "restart");
      await send(alice.page, "first");
      await waitForMessage(alice.page, "first");
      // A marker that a reload would lose.
      await alice.page.evaluate(
        () => ((globalThis as { __sameDocument?: boolean }).__sameDocument =
          true),
      );

      await server.restart();
      // Posted while the page is (most likely) still reconnecting: the page
      // gets it by resuming from its last seq.
      await postAs(
        server.origin,
        "carol",
        "restart",
        "carol-1",
        "posted right after the restart",
      );
      await waitForMessage(
        alice.page,
        "posted right after the restart",
        30_000,
      );
      await waitFor(
        alice.page,
        "connected again",
        async () => (await bannerStatus(alice.page)) === "connected",
      );

      // Live again: new messages arrive, and Alice can send.
      await postAs(
        server.origin,
        "carol",
        "restart",
        "carol-2",
        "and live again",
      );
      await waitForMessage(alice.page, "and live again");
      await send(alice.page, "back");
      await waitFor(
        alice.page,
        "back stored",
        async () =>
          (await storedTexts(server.origin, "restart")).includes("back"),
      );

      assert.equal(
        await alice.page.evaluate(() =>
          (globalThis as { __sameDocument?: boolean }).__sameDocument
        ),
        true,
      );
      assert.deepEqual(await messageTexts(alice.page), [
        "first",
        "posted right after the restart",
        "and live again",
        "back",
      ]);
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);
