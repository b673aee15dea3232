/**
 * Passkeys in a real Chromium through its virtual authenticator (DevTools
 * protocol `WebAuthn.*`): a guest claims their name with a passkey on
 * /account; the passkey is copied to another browser context's
 * authenticator (as a synced passkey would be) and signs in there on
 * /signin without a name, as the same user id. The page is on
 * `localhost`: WebAuthn refuses IP addresses as relying party ids.
 */
import assert from "node:assert/strict";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { onPage, waitFor } from "../helpers/browser.ts";
import { cookieUser, withChatBrowser } from "../helpers/ui.ts";

/** A page with a virtual platform authenticator that verifies its user. */
async function withAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send(
    "WebAuthn.addVirtualAuthenticator",
    {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    },
  );
  return { cdp, authenticatorId };
}

/** Waits until the page's passkey button is hydrated and enabled. */
async function passkeyButton(page: Page, name: string) {
  const button = page.getByRole("button", { name });
  await waitFor(page, `the "${name}" button`, () => button.isEnabled());
  return button;
}

Deno.test({
  name:
    "a passkey made on /account claims the name and signs in on /signin in another browser",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withChatBrowser({ isolates: 2 }, async (server, browser) => {
      const origin = `http://localhost:${server.port}`;
      const first = await browser.context();
      const { page } = await browser.page(first);
      const device = await withAuthenticator(first, page);

      await onPage(page, "picking a guest name", async () => {
        await page.goto(`${origin}/`);
        await page.getByRole("textbox", { name: "Name" }).fill("Pasky");
        await page.getByRole("textbox", { name: "Room" }).fill("keys");
        await Promise.all([
          page.waitForURL("**/rooms/keys"),
          page.getByRole("button", { name: "Join room" }).click(),
        ]);
      });
      const guest = await cookieUser(origin, first);
      assert.equal(guest.claimed, undefined);

      await onPage(page, "claiming the name with a passkey", async () => {
        await page.goto(`${origin}/account`);
        const claim = await passkeyButton(page, "Claim with a passkey");
        await Promise.all([
          page.waitForURL("**/account?done=claimed"),
          claim.click(),
        ]);
        assert.match(
          await page.locator("#account-who").innerText(),
          /Pasky\s*✓/,
        );
        assert.equal(await page.locator(".passkey-list li").count(), 1);
      });
      assert.deepEqual(await cookieUser(origin, first), {
        ...guest,
        claimed: true,
      });
      const { credentials } = await device.cdp.send(
        "WebAuthn.getCredentials",
        { authenticatorId: device.authenticatorId },
      );
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].isResidentCredential, true);
      assert.equal(credentials[0].rpId, "localhost");

      await onPage(page, "adding the same authenticator again", async () => {
        const add = await passkeyButton(page, "Add a passkey");
        await add.click();
        await waitFor(page, "the refusal", () => page.$('[role="alert"]'));
        assert.equal(
          await page.getByRole("alert").innerText(),
          "This device already holds a passkey for your account.",
        );
        assert.equal(await page.locator(".passkey-list li").count(), 1);
      });

      // Another browser, with the passkey synced to its authenticator.
      const second = await browser.context();
      const other = (await browser.page(second)).page;
      const synced = await withAuthenticator(second, other);
      for (const credential of credentials) {
        await synced.cdp.send("WebAuthn.addCredential", {
          authenticatorId: synced.authenticatorId,
          credential,
        });
      }
      await onPage(other, "signing in with the passkey", async () => {
        await other.goto(`${origin}/signin?next=/account`);
        const signIn = await passkeyButton(other, "Sign in with a passkey");
        await Promise.all([other.waitForURL(/\/account$/), signIn.click()]);
        assert.match(
          await other.locator("#account-who").innerText(),
          /Pasky\s*✓/,
        );
      });
      assert.deepEqual(await cookieUser(origin, second), {
        ...guest,
        claimed: true,
      });
      const { credentials: after } = await synced.cdp.send(
        "WebAuthn.getCredentials",
        { authenticatorId: synced.authenticatorId },
      );
      assert.ok(after[0].signCount > 0, "the authenticator signed");

      await onPage(
        other,
        "removing the only way in, then with a password",
        async () => {
          await other.getByRole("button", { name: /^Remove the passkey/ })
            .click();
          await waitFor(other, "the refusal", () => other.$('[role="alert"]'));
          assert.match(
            await other.getByRole("alert").innerText(),
            /only way to sign in/,
          );
          await other.getByRole("textbox", { name: "Password" }).fill(
            "a password as well",
          );
          await Promise.all([
            other.waitForURL("**/account?done=password"),
            other.getByRole("button", { name: "Set password" }).click(),
          ]);
          await Promise.all([
            other.waitForURL("**/account?done=removed"),
            other.getByRole("button", { name: /^Remove the passkey/ }).click(),
          ]);
          assert.equal(await other.locator(".passkey-list li").count(), 0);
        },
      );
      assert.deepEqual(browser.pageErrors(), []);
    });
  },
});
