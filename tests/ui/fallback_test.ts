/**
 * Browser tests of the transport fallbacks: a page without WebSocket (or
 * whose WebSockets never connect) chats over SSE; `?transport=longpoll`
 * chats over long polling; both with a WebSocket user in the same room.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { waitFor } from "../helpers/browser.ts";
import {
  joinViaLobby,
  messageTexts,
  send,
  waitForMessage,
  waitLive,
  withChatBrowser,
} from "../helpers/ui.ts";

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

/** The banner's transport once connected. */
async function transportOf(page: Page): Promise<string | null> {
  return await page.locator('.banner[data-status="connected"]')
    .getAttribute("data-transport");
}

async function onlineNames(page: Page): Promise<string[]> {
  return (await page.locator(".online li").allInnerTexts()).map((t) =>
    t.trim()
  );
}

/** Two people chat both ways and see each other online. */
async function chatBothWays(
  fallback: Page,
  fallbackName: string,
  ws: Page,
  wsName: string,
  tag: string,
): Promise<void> {
  await waitFor(
    ws,
    `${fallbackName} online for ${wsName}`,
    async () => (await onlineNames(ws)).some((n) => n.startsWith(fallbackName)),
  );
  await send(fallback, `from ${tag} 1`);
  await waitForMessage(ws, `from ${tag} 1`);
  await send(ws, `to ${tag} 1`);
  await waitForMessage(fallback, `to ${tag} 1`);
  // (A long poller learns who is online with each answer, so after a message.)
  await waitFor(
    fallback,
    `${wsName} online for ${fallbackName}`,
    async () => (await onlineNames(fallback)).some((n) => n.startsWith(wsName)),
  );
  await send(fallback, `from ${tag} 2`);
  await waitForMessage(ws, `from ${tag} 2`);
  // The sender's own message is stored (acked over HTTP POST).
  await waitFor(
    fallback,
    "own messages stored",
    async () =>
      (await fallback.locator('.msg--own [data-state="stored"]').count()) >= 2,
  );
  // Same log, same order, each once, on both sides.
  const expected = [`from ${tag} 1`, `to ${tag} 1`, `from ${tag} 2`];
  for (const page of [fallback, ws]) {
    const texts = (await messageTexts(page)).filter((t) =>
      expected.includes(t)
    );
    assert.deepEqual(texts, expected);
  }
}

browserTest(
  "a page without WebSocket falls back to SSE and chats normally",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const noWs = await browser.page(await browser.context());
      await noWs.page.addInitScript(() => {
        // @ts-ignore: this browser has no WebSocket
        delete globalThis.WebSocket;
      });
      const ws = await browser.page(await browser.context());
      await joinViaLobby(noWs.page, server.origin, "sadie", "fallback");
      await joinViaLobby(ws.page, server.origin, "walt", "fallback");
      assert.equal(
        await noWs.page.evaluate(() => typeof globalThis.WebSocket),
        "undefined",
      );
      assert.equal(await transportOf(noWs.page), "sse");
      assert.match(
        await noWs.page.locator(".banner").innerText(),
        /server-sent events/,
      );
      assert.equal(await transportOf(ws.page), "websocket");
      await chatBothWays(noWs.page, "sadie", ws.page, "walt", "sse");

      // Typing reaches the SSE page. (The server relays one typing signal
      // per user per second, and filling the composer above sent one.)
      await new Promise((r) => setTimeout(r, 1_200));
      await ws.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("Hel", { delay: 20 });
      await waitFor(
        noWs.page,
        "walt is typing",
        async () =>
          (await noWs.page.locator(".typing").innerText()).includes("walt"),
      );
      // And the SSE page's typing reaches the WebSocket page.
      await noWs.page.getByRole("textbox", { name: "Message" })
        .pressSequentially("Hel", { delay: 20 });
      await waitFor(
        ws.page,
        "sadie is typing",
        async () =>
          (await ws.page.locator(".typing").innerText()).includes("sadie"),
      );

      // A reload resumes over SSE with nothing lost or doubled.
      await send(ws.page, "while sadie reloads");
      await noWs.page.reload();
      await waitLive(noWs.page);
      await waitForMessage(noWs.page, "while sadie reloads");
      const texts = await messageTexts(noWs.page);
      assert.equal(
        texts.filter((t) => t === "while sadie reloads").length,
        1,
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "WebSockets that never connect: falls back to SSE once the server answers HTTP",
  async () => {
    await withChatBrowser({ isolates: 1 }, async (server, browser) => {
      const blocked = await browser.page(await browser.context());
      await blocked.page.addInitScript(() => {
        // A proxy that refuses upgrades: every WebSocket fails to open.
        class BlockedWebSocket extends EventTarget {
          static readonly CONNECTING = 0;
          static readonly OPEN = 1;
          static readonly CLOSING = 2;
          static readonly CLOSED = 3;
          readyState = 0;
          onopen: ((e: Event) => void) | null = null;
          onmessage: ((e: MessageEvent) => void) | null = null;
          onerror: ((e: Event) => void) | null = null;
          onclose: ((e: CloseEvent) => void) | null = null;
          constructor(_url: string) {
            super();
            setTimeout(() => {
              this.readyState = 3;
              this.onerror?.(new Event("error"));
              this.onclose?.(new CloseEvent("close", { code: 1006 }));
            }, 20);
          }
          send(): void {
            throw new DOMException("not open", "InvalidStateError");
          }
          close(): void {}
        }
        // @ts-ignore: replacing the constructor for this page
        globalThis.WebSocket = BlockedWebSocket;
      });
      const ws = await browser.page(await browser.context());
      await joinViaLobby(blocked.page, server.origin, "bella", "blocked");
      await joinViaLobby(ws.page, server.origin, "will", "blocked");
      assert.equal(await transportOf(blocked.page), "sse");
      await chatBothWays(blocked.page, "bella", ws.page, "will", "blocked");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);

browserTest(
  "?transport=longpoll chats over long polling",
  async () => {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const poller = await browser.page(await browser.context());
      const ws = await browser.page(await browser.context());
      await joinViaLobby(poller.page, server.origin, "polly", "polling");
      await poller.page.goto(
        `${server.origin}/rooms/polling?transport=longpoll`,
      );
      await waitLive(poller.page);
      await joinViaLobby(ws.page, server.origin, "wade", "polling");
      assert.equal(await transportOf(poller.page), "longpoll");
      assert.match(
        await poller.page.locator(".banner").innerText(),
        /long polling/,
      );
      await chatBothWays(poller.page, "polly", ws.page, "wade", "longpoll");
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
);
