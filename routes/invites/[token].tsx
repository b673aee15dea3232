/**
 * `/invites/:token`: an invite link. Opening it (GET) while signed in, or
 * posting to it (with a name to take, for a visitor without a session),
 * makes the user a member of the room and redirects there (`303`). An
 * expired, revoked or forged invite shows why, with `404`.
 *
 * @module
 */
import type { JSX } from "preact";
import type {
  Handlers,
  PageProps,
  RouteContext,
} from "../../lib/http/route_types.ts";
import { readForm } from "../../lib/http/body.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { ProtocolError } from "../../lib/protocol/errors.ts";
import type { User } from "../../lib/protocol/types.ts";
import { Title } from "../../lib/render/head.tsx";
import { applyFormName, seeOther } from "../../lib/ui/forms.ts";

/** What the page shows. */
interface InviteData {
  room?: string;
  error?: string;
}

/** Makes `user` a member of the invite's room; resolves to the room. */
async function redeem(
  ctx: RouteContext,
  token: string,
  user: User,
): Promise<string> {
  const room = await ctx.app.invites.check(token);
  await ctx.app.access.addMember(room, user);
  ctx.app.accessChanged(room);
  return room;
}

/** Redeems invites. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const token = ctx.params.token ?? "";
    try {
      const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
      if (user) return seeOther(`/rooms/${await redeem(ctx, token, user)}`);
      return ctx.render({ room: await ctx.app.invites.check(token) });
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return ctx.render({ error: error.message }, { status: error.status });
    }
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const token = ctx.params.token ?? "";
    const headers = new Headers();
    try {
      const form = req.headers.get("content-type")?.includes("form")
        ? await readForm(req)
        : null;
      const user = await applyFormName(
        req,
        ctx,
        form?.get("name") ?? null,
        headers,
      );
      if (!user) {
        throw new ProtocolError("unauthenticated", "Pick a name first.");
      }
      return seeOther(`/rooms/${await redeem(ctx, token, user)}`, headers);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return ctx.render({ error: error.message }, {
        status: error.status,
        headers,
      });
    }
  },
};

/** The invite page: a name to join with, or why the invite is no good. */
export default function InvitePage(
  { data }: PageProps<InviteData>,
): JSX.Element {
  return (
    <main class="page" id="main">
      <Title>Invitation · Comet Chat</Title>
      {data.room
        ? (
          <>
            <h1>You are invited to #{data.room}</h1>
            <form method="post" class="invite-form">
              <label>
                Your name{" "}
                <input
                  name="name"
                  required
                  maxLength={32}
                  autocomplete="nickname"
                />
              </label>
              <button type="submit">Join #{data.room}</button>
            </form>
            <p>
              Have an account?{" "}
              <a href="/signin">Sign in</a>, then open this link again.
            </p>
          </>
        )
        : (
          <>
            <h1>This invite does not work</h1>
            <p role="alert">{data.error}</p>
          </>
        )}
      <p>
        <a href="/">Back to the rooms</a>
      </p>
    </main>
  );
}
