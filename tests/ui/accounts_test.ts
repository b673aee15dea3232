/**
 * Claiming a name with a password on /account and signing in to it on
 * /signin from another browser (a fresh context: no cookies), as the same
 * user id, with JavaScript off (plain form posts) and on; then signing
 * out.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { onPage, type TestBrowser } from "../helpers/browser.ts";
import { cookieUser, withChatBrowser } from "../helpers/ui.ts";
import type { TestServer } from "../helpers/server.ts";

const PASSWORD = "a long enough password";

/** Picks a guest name through the lobby's form (works without JavaScript). */
async function pickName(page: Page, origin: string, name: string) {
  await onPage(page, `picking the name ${name}`, async () => {
    await page.goto(`${origin}/`);
    await page.getByRole("textbox", { name: "Name" }).fill(name);
    await page.getByRole("textbox", { name: "Room" }).fill("accounts");
    await Promise.all([
      page.waitForURL("**/rooms/accounts"),
      page.getByRole("button", { name: "Join room" }).click(),
    ]);
  });
}

/** The heading that says who the account page is for. */
function whoAmI(page: Page): Promise<string> {
  return page.locator("#account-who").innerText();
}

async function claimAndSignIn(
  server: TestServer,
  browser: TestBrowser,
  javaScriptEnabled: boolean,
  name: string,
) {
  const first = await browser.context({ javaScriptEnabled });
  const { page } = await browser.page(first);
  await pickName(page, server.origin, name);
  const guest = await cookieUser(server.origin, first);
  await onPage(page, "claiming the name with a password", async () => {
    await page.goto(`${server.origin}/account`);
    assert.match(await whoAmI(page), new RegExp(`${name}\\s*guest`));
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await Promise.all([
      page.waitForURL("**/account?done=claimed"),
      page.getByRole("button", { name: "Claim with a password" }).click(),
    ]);
    assert.match(await page.getByRole("status").innerText(), /claimed/);
    assert.match(await whoAmI(page), /✓/);
  });
  assert.deepEqual(await cookieUser(server.origin, first), {
    ...guest,
    claimed: true,
  });

  // Another device: a fresh context, no cookie.
  const second = await browser.context({ javaScriptEnabled });
  const other = (await browser.page(second)).page;
  await onPage(other, "a wrong password", async () => {
    await other.goto(`${server.origin}/signin?next=/account`);
    await other.getByLabel("Name").fill(name.toLowerCase());
    await other.getByLabel("Password").fill("not the password");
    await other.getByRole("button", { name: "Sign in", exact: true }).click();
    await other.waitForSelector('[role="alert"]');
    assert.equal(
      await other.getByRole("alert").innerText(),
      "Wrong name or password.",
    );
    assert.equal(
      (await second.cookies()).some((c) => c.name === "chat_session"),
      false,
    );
  });
  await onPage(other, "signing in with the password", async () => {
    assert.equal(
      await other.getByLabel("Name").inputValue(),
      name.toLowerCase(),
      "the name typed stays",
    );
    await other.getByLabel("Password").fill(PASSWORD);
    await Promise.all([
      other.waitForURL(/\/account$/),
      other.getByRole("button", { name: "Sign in", exact: true }).click(),
    ]);
    assert.match(await whoAmI(other), new RegExp(`${name}\\s*✓`));
  });
  assert.deepEqual(await cookieUser(server.origin, second), {
    ...guest,
    claimed: true,
  });

  await onPage(other, "signing out", async () => {
    await Promise.all([
      other.waitForURL(`${server.origin}/`),
      other.getByRole("button", { name: "Sign out" }).click(),
    ]);
    assert.equal(
      (await second.cookies()).some((c) => c.name === "chat_session"),
      false,
    );
    await other.goto(`${server.origin}/account`);
    assert.match(
      await other.locator("h2").first().innerText(),
      /no name here yet/,
    );
  });
  assert.equal(
    (await cookieUser(server.origin, first)).id,
    guest.id,
    "the first device stays signed in",
  );
  assert.deepEqual(browser.pageErrors(), []);
}

Deno.test({
  name:
    "without JavaScript: claim a name with a password, sign in to it in another browser, sign out",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      await claimAndSignIn(server, browser, false, "Nojo");
    });
  },
});

Deno.test({
  name:
    "with JavaScript: claim a name with a password, sign in to it in another browser, sign out",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      await claimAndSignIn(server, browser, true, "Jojo");
    });
  },
});
