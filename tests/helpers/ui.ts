/**
 * Steps shared by the browser tests of the chat UI.
 *
 * @module
 */
import type { BrowserContext, Page } from "playwright-core";
import { api } from "./api.ts";
import { BUILD_PATHS, buildClient } from "../../lib/build/build.ts";
import { launchBrowser, onPage, type TestBrowser, waitFor } from "./browser.ts";
import { type ServerOptions, startServer, type TestServer } from "./server.ts";

/** Builds the islands if the build is missing or stale (the server serves it). */
export async function ensureClientBuild(): Promise<void> {
  await buildClient(BUILD_PATHS, { ifStale: true });
}

/**
 * Runs a browser test: builds the islands if stale, starts a server and a
 * browser, and stops both however `run` ends.
 */
export async function withChatBrowser(
  options: ServerOptions,
  run: (server: TestServer, browser: TestBrowser) => Promise<void>,
): Promise<void> {
  await ensureClientBuild();
  const server = await startServer(options);
  const browser = await launchBrowser();
  try {
    await run(server, browser);
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Waits until the page's islands hydrated and the room is connected. */
export async function waitLive(page: Page, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    page,
    "the island to hydrate",
    () => page.$("[data-island][data-hydrated]"),
    timeoutMs,
  );
  await waitFor(
    page,
    "the connection banner to say connected",
    () => page.$('.banner[data-status="connected"]'),
    timeoutMs,
  );
}

/** Opens `/rooms/:room` and waits until it is live. */
export async function openRoom(
  page: Page,
  origin: string,
  room: string,
): Promise<void> {
  await onPage(page, `opening /rooms/${room}`, async () => {
    await page.goto(`${origin}/rooms/${room}`);
  });
  await waitLive(page);
}

/** Picks a name in the lobby and joins `room` through the lobby form. */
export async function joinViaLobby(
  page: Page,
  origin: string,
  name: string,
  room: string,
): Promise<void> {
  await onPage(page, "joining through the lobby", async () => {
    await page.goto(`${origin}/`);
    await page.getByRole("textbox", { name: "Name" }).fill(name);
    await page.getByRole("textbox", { name: "Room" }).fill(room);
    await page.getByRole("button", { name: "Join room" }).click();
    await page.waitForURL(`**/rooms/${room}`);
  });
  await waitLive(page);
}

/** Types `text` into the composer and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await onPage(page, `sending ${JSON.stringify(text)}`, async () => {
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(text);
    await box.press("Enter");
  });
}

/** The texts of the messages in the log, in order. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.locator(".messages .msg .msg-text").allInnerTexts();
}

/** Waits until the log shows a message with exactly `text`. */
export async function waitForMessage(
  page: Page,
  text: string,
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(
    page,
    `message ${JSON.stringify(text)}`,
    async () => (await messageTexts(page)).includes(text),
    timeoutMs,
  );
}

/** The user a browser context's session cookie speaks for, asked of the API. */
export async function cookieUser(
  origin: string,
  context: BrowserContext,
): Promise<{ id: string; name: string; claimed?: true }> {
  const cookie = (await context.cookies(origin))
    .find((c) => c.name === "chat_session");
  if (!cookie) throw new Error("The context has no session cookie");
  const reply = await api(origin, "POST", "/api/session", cookie.value, {});
  if (reply.status !== 201) {
    throw new Error(
      `Cannot read the cookie's user: ${reply.status} ${reply.text}`,
    );
  }
  return reply.json.user;
}
