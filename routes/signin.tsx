/**
 * `/signin`: sign in to a claimed name on this device. The password form
 * posts here and works without JavaScript (`303` to `?next=` or `/`, with
 * the session cookie); a wrong name and a wrong password get the same
 * message, and too many failures the throttle's. The passkey button (an
 * island) signs in with a passkey instead.
 *
 * @module
 */
import type { JSX } from "preact";
import type { Handlers, PageProps } from "../lib/http/route_types.ts";
import { readForm } from "../lib/http/body.ts";
import { checkOrigin } from "../lib/http/origin.ts";
import { ProtocolError } from "../lib/protocol/errors.ts";
import type { User } from "../lib/protocol/types.ts";
import { Title } from "../lib/render/head.tsx";
import { defineIsland } from "../lib/render/island.tsx";
import { Brand, PRODUCT_NAME } from "../lib/ui/brand.tsx";
import { personText } from "../lib/ui/person.tsx";
import { seeOtherSignedIn } from "../lib/http/session_reply.ts";
import {
  signInWithPassword,
  WRONG_NAME_OR_PASSWORD,
} from "../lib/accounts/password_sign_in.ts";
import PasskeyButton from "../islands/PasskeyButton.tsx";

const PasskeyIsland = defineIsland("PasskeyButton", PasskeyButton);

/** Longest name or password looked at (longer ones cannot match). */
const MAX_FIELD = 1024;
/** The answer to a wrong name or password alike. */

/** What the page shows. */
interface SignInData {
  /** Who the browser is now, if anyone. */
  user: User | null;
  /** Where to go after signing in. */
  next: string;
  /** The name typed, kept after a failure. */
  name?: string;
  error?: string;
}

/**
 * `raw` as a path on this site, else `/`: `next` comes from a URL anyone
 * can craft and must not send people elsewhere. Resolving it the way a
 * browser would catches every spelling of another host (`//evil.example`,
 * `/\evil.example`, tabs and newlines inside).
 */
function localPath(raw: string | null): string {
  const base = "http://local.invalid";
  const url = new URL(raw ?? "/", base);
  if (!raw?.startsWith("/") || url.origin !== base) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page and its form post. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    const data: SignInData = {
      user,
      next: localPath(ctx.url.searchParams.get("next")),
    };
    return ctx.render(data);
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const form = await readForm(req);
    // Phones add a space after a word: no name ends in one.
    const name = (form.get("name") ?? "").trim();
    const password = form.get("password") ?? "";
    const next = localPath(ctx.url.searchParams.get("next"));
    const { app } = ctx;
    try {
      if (name.length > MAX_FIELD || password.length > MAX_FIELD) {
        throw new ProtocolError("unauthenticated", WRONG_NAME_OR_PASSWORD);
      }
      const user = await signInWithPassword(
        app.accounts,
        app.loginThrottle,
        name,
        password,
        ctx.remoteAddr,
      );
      return seeOtherSignedIn(
        req,
        ctx,
        await app.sessions.issueFor(user),
        next,
      );
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      const data: SignInData = {
        user: await app.sessions.userFromRequest(req, ctx.url),
        next,
        name: name.slice(0, MAX_FIELD),
        error: err.message,
      };
      const headers = new Headers();
      if (err.retryAfterMs !== undefined) {
        headers.set("retry-after", String(Math.ceil(err.retryAfterMs / 1000)));
      }
      return ctx.render(data, { status: err.status, headers });
    }
  },
};

/** The sign-in page. */
export default function SignInPage(
  { data }: PageProps<SignInData>,
): JSX.Element {
  const action = data.next === "/"
    ? "/signin"
    : `/signin?next=${encodeURIComponent(data.next)}`;
  return (
    <main class="page account-page" id="main">
      <Title>{`Sign in · ${PRODUCT_NAME}`}</Title>
      <header class="site-header">
        <h1>
          <Brand />
        </h1>
        <p class="tagline">Sign in to your name on this device.</p>
      </header>
      <section class="account-card" aria-labelledby="signin-heading">
        <h2 id="signin-heading">Sign in</h2>
        {data.user && (
          <p class="hint">
            You are {personText(data.user)} here now; signing in replaces that.
          </p>
        )}
        <form method="post" action={action} class="account-form">
          <div class="field">
            <label for="signin-name">Name</label>
            <input
              id="signin-name"
              name="name"
              type="text"
              required
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              maxLength={64}
              value={data.name ?? ""}
            />
          </div>
          <div class="field">
            <label for="signin-password">Password</label>
            <input
              id="signin-password"
              name="password"
              type="password"
              required
              autocomplete="current-password"
            />
          </div>
          <button type="submit">Sign in</button>
          {data.error && <p class="form-error" role="alert">{data.error}</p>}
        </form>
        <p class="account-or">or</p>
        <PasskeyIsland
          mode="sign-in"
          label="Sign in with a passkey"
          next={data.next}
        />
      </section>
      <p>
        No account yet? Pick a name in the{" "}
        <a href="/">lobby</a>, then claim it on{" "}
        <a href="/account">your account page</a>.
      </p>
    </main>
  );
}
