/**
 * The browser side of UI tests: Debian's Chromium driven by playwright-core,
 * headless, with every page's uncaught errors and console errors recorded.
 * Failing steps print the page's DOM, so a red test says what the page
 * looked like.
 *
 * @module
 */
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
} from "playwright-core";

/** Where Chromium is; `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ??
  "/usr/bin/chromium";

/** Chromium's path, or a one-line failure that says what to install. */
function chromiumPath(): string {
  try {
    if (Deno.statSync(CHROMIUM_PATH).isFile) return CHROMIUM_PATH;
  } catch {
    // reported below
  }
  throw new Error(
    `chromium is missing (${CHROMIUM_PATH}): apt-get install chromium`,
  );
}

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A page and what went wrong in it. */
export interface TrackedPage {
  page: Page;
  /** Uncaught exceptions (`pageerror`). */
  errors: string[];
  /** `console.error` messages. */
  consoleErrors: string[];
}

/** A browser for one test file. */
export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage: another person). */
  context(
    options?: { javaScriptEnabled?: boolean; offline?: boolean },
  ): Promise<BrowserContext>;
  /** A new page in `context` whose errors are recorded. */
  page(context: BrowserContext): Promise<TrackedPage>;
  /** Every tracked page's uncaught errors. */
  pageErrors(): string[];
  close(): Promise<void>;
}

/** Launches headless Chromium. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ARGS,
  });
  const tracked: TrackedPage[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async context(options = {}) {
      const context = await browser.newContext({
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        viewport: { width: 1000, height: 720 },
      });
      contexts.push(context);
      if (options.offline) await context.setOffline(true);
      return context;
    },
    async page(context) {
      const page = await context.newPage();
      const t: TrackedPage = { page, errors: [], consoleErrors: [] };
      page.on(
        "pageerror",
        (err) =>
          t.errors.push(`${err.name}: ${err.message}\n${err.stack ?? ""}`),
      );
      page.on("console", (msg) => {
        if (msg.type() === "error") t.consoleErrors.push(msg.text());
      });
      tracked.push(t);
      return t;
    },
    pageErrors() {
      return tracked.flatMap((t) => t.errors);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
    },
  };
}

/** The page's DOM (trimmed), for failure messages. */
export async function describePage(page: Page): Promise<string> {
  try {
    const html = await page.content();
    const limit = 20_000;
    return `URL: ${page.url()}\n${
      html.length > limit ? html.slice(0, limit) + "\n…(truncated)" : html
    }`;
  } catch (err) {
    return `(could not read the page: ${err})`;
  }
}

/**
 * Runs `step`; if it throws, rethrows with the page's DOM attached, so a
 * failing browser test shows what the page looked like.
 */
export async function onPage<T>(
  page: Page,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${what} failed: ${message}\n--- page DOM ---\n${await describePage(
        page,
      )}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Polls `check` until it returns a truthy value (or `timeoutMs` passes),
 * then returns it; on timeout, throws with the page's DOM.
 */
export async function waitFor<T>(
  page: Page,
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (last: ${
          String(last)
        })\n--- page DOM ---\n${await describePage(
          page,
        )}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
