/**
 * `/account`: who you are here. A guest claims their name with a password
 * (a form, no JavaScript needed) or a passkey (the island); a claimed
 * account adds passkeys and sets or changes its password (the current one
 * first, when there is one). Signing out is a form posting to `/signout`.
 *
 * @module
 */
import { requireCurrentPassword } from "../lib/accounts/current_password.ts";
import type { JSX } from "preact";
import type {
  Handlers,
  PageProps,
  RouteContext,
} from "../lib/http/route_types.ts";
import { readForm } from "../lib/http/body.ts";
import { checkOrigin } from "../lib/http/origin.ts";
import { ProtocolError } from "../lib/protocol/errors.ts";
import type { User } from "../lib/protocol/types.ts";
import type { PasskeySummary } from "../lib/accounts/passkeys.ts";
import { Title } from "../lib/render/head.tsx";
import { defineIsland } from "../lib/render/island.tsx";
import { Brand, PRODUCT_NAME } from "../lib/ui/brand.tsx";
import { PersonName } from "../lib/ui/person.tsx";
import { seeOther } from "../lib/ui/forms.ts";
import { seeOtherSignedIn } from "../lib/http/session_reply.ts";
import PasskeyButton from "../islands/PasskeyButton.tsx";

const PasskeyIsland = defineIsland("PasskeyButton", PasskeyButton);

/** What `?done=` may announce after a change (a fixed list: no text from the URL). */
const NOTICES: Record<string, string> = {
  claimed: "Your name is claimed: sign in with it on any device.",
  password: "Your password is changed.",
  passkey: "Passkey added.",
  removed: "Passkey removed.",
};

/** What the page shows. */
interface AccountData {
  user: User | null;
  /** The account has a password (changing it asks for it). */
  hasPassword: boolean;
  passkeys: PasskeySummary[];
  notice?: string;
  error?: string;
}

/** The page's data for the request's user. */
async function accountData(
  ctx: RouteContext,
  user: User | null,
): Promise<AccountData> {
  if (!user) return { user, hasPassword: false, passkeys: [] };
  const account = await ctx.app.accounts.account(user.id);
  return {
    user,
    hasPassword: account?.password !== undefined,
    passkeys: account ? await ctx.app.passkeys.list(user.id) : [],
  };
}

/** The account page and its password form. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    const notice = NOTICES[ctx.url.searchParams.get("done") ?? ""];
    return ctx.render({ ...await accountData(ctx, user), notice });
  },

  /**
   * Removes a passkey (field `remove`: its id), or sets the password:
   * claims a guest's name with it, or replaces an account's, which needs
   * the current one (a session left open on a shared computer must not be
   * enough to lock the owner out).
   */
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const { app } = ctx;
    const form = await readForm(req);
    const user = await app.sessions.userFromRequest(req, ctx.url);
    try {
      if (!user) {
        throw new ProtocolError(
          "unauthenticated",
          "Pick a name in the lobby first.",
        );
      }
      const remove = form.get("remove");
      if (remove !== null) {
        await app.passkeys.remove(user.id, remove);
        return seeOther("/account?done=removed");
      }
      const account = await app.accounts.account(user.id);
      await requireCurrentPassword(
        app.accounts,
        app.loginThrottle,
        user,
        form.get("current") ?? "",
        ctx.remoteAddr,
      );
      const claimed = await app.accounts.claimWithPassword(
        user,
        form.get("password"),
      );
      return seeOtherSignedIn(
        req,
        ctx,
        await app.sessions.issueFor(claimed),
        `/account?done=${account ? "password" : "claimed"}`,
      );
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return ctx.render(
        { ...await accountData(ctx, user), error: err.message },
        { status: err.status },
      );
    }
  },
};

/** The UTC day of `ms`, `2026-12-01`: no locale to guess on the server. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function Day(props: { ms: number }): JSX.Element {
  return (
    <time dateTime={new Date(props.ms).toISOString()}>{day(props.ms)}</time>
  );
}

/** The password form: claims a guest's name, or sets an account's password. */
function PasswordForm(
  props: { user: User; hasPassword: boolean; error?: string },
): JSX.Element {
  const { user, hasPassword } = props;
  return (
    <form method="post" action="/account" class="account-form">
      {/* For password managers: whose password this is. */}
      <input
        type="text"
        name="username"
        value={user.name}
        autocomplete="username"
        hidden
      />
      {hasPassword && (
        <div class="field">
          <label for="account-current">Current password</label>
          <input
            id="account-current"
            name="current"
            type="password"
            required
            autocomplete="current-password"
          />
        </div>
      )}
      <div class="field">
        <label for="account-password">
          {user.claimed ? "New password" : "Password"}
        </label>
        <input
          id="account-password"
          name="password"
          type="password"
          required
          minLength={8}
          autocomplete="new-password"
          aria-describedby="account-password-hint"
        />
        <span id="account-password-hint" class="hint">
          At least 8 characters.
        </span>
      </div>
      <button type="submit">
        {!user.claimed
          ? "Claim with a password"
          : hasPassword
          ? "Change password"
          : "Set password"}
      </button>
      {props.error && <p class="form-error" role="alert">{props.error}</p>}
    </form>
  );
}

/** The account page. */
export default function AccountPage(
  { data }: PageProps<AccountData>,
): JSX.Element {
  const { user } = data;
  return (
    <main class="page account-page" id="main">
      <Title>{`Your account · ${PRODUCT_NAME}`}</Title>
      <header class="site-header">
        <h1>
          <Brand />
        </h1>
        <p class="tagline">Your name, and how you sign in.</p>
      </header>
      {data.notice && <p class="account-notice" role="status">{data.notice}</p>}
      {!user
        ? (
          <section class="account-card">
            <h2>You have no name here yet</h2>
            {data.error && <p class="form-error" role="alert">{data.error}</p>}
            <p>
              Pick one in the <a href="/">lobby</a>, or{" "}
              <a href="/signin?next=/account">sign in</a>.
            </p>
          </section>
        )
        : (
          <>
            <section class="account-card" aria-labelledby="account-who">
              <h2 id="account-who">
                You are <PersonName user={user} />
              </h2>
              <p class="hint">
                {user.claimed
                  ? "This name is yours alone: sign in with it on any device."
                  : "Anyone may call themselves this as a guest. Claim the name to keep it for yourself and to sign in with it on other devices."}
              </p>
            </section>
            {!user.claimed && (
              <section class="account-card" aria-labelledby="account-claim">
                <h2 id="account-claim">Claim your name</h2>
                <PasswordForm
                  user={user}
                  hasPassword={false}
                  error={data.error}
                />
                <p class="account-or">or</p>
                <PasskeyIsland
                  mode="register"
                  label="Claim with a passkey"
                  next="/account?done=claimed"
                />
              </section>
            )}
            {user.claimed && (
              <section class="account-card" aria-labelledby="account-passkeys">
                <h2 id="account-passkeys">Passkeys</h2>
                {data.passkeys.length === 0
                  ? <p class="empty">No passkeys yet.</p>
                  : (
                    <ul class="passkey-list">
                      {data.passkeys.map((p) => (
                        <li key={p.id}>
                          Passkey added <Day ms={p.createdAt} />
                          {p.lastUsedAt && (
                            <>
                              , last used <Day ms={p.lastUsedAt} />
                            </>
                          )}{" "}
                          <form method="post" action="/account" class="inline">
                            <input type="hidden" name="remove" value={p.id} />
                            <button
                              type="submit"
                              class="link-button"
                              aria-label={`Remove the passkey added ${
                                day(p.createdAt)
                              }`}
                            >
                              Remove
                            </button>
                          </form>
                        </li>
                      ))}
                    </ul>
                  )}
                <PasskeyIsland
                  mode="register"
                  label="Add a passkey"
                  next="/account?done=passkey"
                />
              </section>
            )}
            {user.claimed && (
              <section
                class="account-card"
                aria-labelledby="account-password-heading"
              >
                <h2 id="account-password-heading">Password</h2>
                <PasswordForm
                  user={user}
                  hasPassword={data.hasPassword}
                  error={data.error}
                />
              </section>
            )}
            <section class="account-card" aria-labelledby="account-signout">
              <h2 id="account-signout">Sign out</h2>
              {!user.claimed && (
                <p class="hint">
                  A guest cannot sign in again: signing out gives this name up
                  on this device.
                </p>
              )}
              <form method="post" action="/signout">
                <button type="submit" class="button-quiet">Sign out</button>
              </form>
            </section>
          </>
        )}
    </main>
  );
}
