/**
 * `/rooms/:room/people`: who is in a room and, for its moderators and
 * owner, the room's controls, all server-rendered plain forms (no
 * JavaScript needed, and none added to the room page's budget).
 *
 * GET lists the people the room knows (members with their roles, who is
 * online, recent authors), each with a "Message" button; moderators also
 * get ban (with a duration) and lift-ban forms, slow mode and invite links;
 * the owner makes and unmakes moderators. POST takes every one of those
 * forms (`action`: `dm`, `role`, `ban`, `unban`, `slow`, `invite`,
 * `revoke`) and redirects (`303`): back here, or into the direct-message
 * room; an invite renders this page with its link to copy; a refusal
 * renders this page with the reason and its status.
 *
 * @module
 */
import type { JSX } from "preact";
import type {
  Handlers,
  PageProps,
  RouteContext,
} from "../../../lib/http/route_types.ts";
import { readForm } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { ProtocolError } from "../../../lib/protocol/errors.ts";
import type { User } from "../../../lib/protocol/types.ts";
import { isRoomName } from "../../../lib/protocol/validate.ts";
import { Title } from "../../../lib/render/head.tsx";
import { isUserId } from "../../../lib/access/direct_messages.ts";
import { openDirectMessage } from "../../../lib/access/open_dm.ts";
import {
  MAX_BAN_MINUTES,
  MAX_SLOW_MODE_S,
} from "../../../lib/access/room_access.ts";
import { type Role, ROLE_RANK } from "../../../lib/access/room_records.ts";
import {
  type ClosedData,
  ClosedRoom,
  renderUnlessClosed,
} from "../../../lib/ui/closed_room.tsx";
import { seeOther } from "../../../lib/ui/forms.ts";
import { AccountLinks } from "../../../lib/ui/account_links.tsx";
import {
  type Person,
  PersonRow,
  SLOW_MODE_CHOICES,
} from "../../../lib/ui/people.tsx";
import { roomPeople } from "../../../lib/ui/room_people.ts";
import { dmPartnerName, dmTitle } from "../../../lib/ui/room_labels.ts";
import { absoluteTimeUtc } from "../../../lib/ui/time.ts";

/** The page's data. */
type PeopleData =
  | {
    kind: "people";
    room: string;
    /** `#room`, or a direct message's title. */
    title: string;
    visibility: "public" | "private";
    dm: boolean;
    me: User | null;
    /** The viewer's role. */
    role: Role;
    people: Person[];
    slowModeSeconds: number;
    /** Open invites (moderators). */
    invites: Array<{ id: string; expiresAt: number }>;
    /** The invite just made: its link to copy. */
    invite?: { url: string; expiresAt: number };
    error?: string;
  }
  | ClosedData
  | { kind: "invalid"; room: string };

async function peopleData(
  ctx: RouteContext,
  room: string,
  me: User | null,
  extra: { invite?: { url: string; expiresAt: number }; error?: string } = {},
): Promise<PeopleData> {
  const view = await ctx.app.access.checkRead(room, me);
  const role = view.role!;
  const moderator = ROLE_RANK[role] >= ROLE_RANK.moderator;
  const settings = view.settings;
  const dm = settings?.dm !== undefined;
  return {
    kind: "people",
    room,
    title: dm && me
      ? dmTitle(await dmPartnerName(ctx.app, room, settings!, me))
      : `#${room}`,
    visibility: settings?.visibility ?? "public",
    dm,
    me,
    role,
    people: await roomPeople(ctx.app, room, me, settings, moderator),
    slowModeSeconds: settings?.slowModeSeconds ?? 0,
    invites: moderator && !dm ? await ctx.app.invites.list(room) : [],
    ...extra,
  };
}

/** A form field that must be a user id. */
function targetOf(form: URLSearchParams): string {
  const target = form.get("user");
  if (!isUserId(target)) {
    throw new ProtocolError("bad_request", "Pick a person first.");
  }
  return target;
}

/** A whole number from a form field, within `min`–`max`. */
function wholeNumber(
  raw: string | null,
  min: number,
  max: number,
  what: string,
): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ProtocolError("bad_request", `${what}: ${min}–${max}.`);
  }
  return n;
}

/**
 * Carries out one form's action; resolves to where to go next, or to the
 * invite made (shown on this page).
 */
async function act(
  ctx: RouteContext,
  room: string,
  me: User,
  form: URLSearchParams,
): Promise<string | { url: string; expiresAt: number }> {
  const here = `/rooms/${room}/people`;
  const { access } = ctx.app;
  switch (form.get("action")) {
    case "dm": {
      const dm = await openDirectMessage(ctx.app, me, targetOf(form));
      return `/rooms/${dm}`;
    }
    case "role": {
      const target = targetOf(form);
      const role = form.get("role") === "moderator" ? "moderator" : "member";
      await access.setRole(room, me, target, role);
      ctx.app.accessChanged(room);
      return `${here}#p-${target}`;
    }
    case "ban": {
      const target = targetOf(form);
      const raw = form.get("minutes") ?? "";
      const minutes = raw === ""
        ? undefined
        : wholeNumber(raw, 1, MAX_BAN_MINUTES, "Minutes of a ban");
      await access.ban(room, me, target, minutes);
      ctx.app.accessChanged(room, target);
      return `${here}#p-${target}`;
    }
    case "unban": {
      const target = targetOf(form);
      await access.unban(room, me, target);
      ctx.app.accessChanged(room);
      return `${here}#p-${target}`;
    }
    case "slow": {
      const seconds = wholeNumber(
        form.get("seconds"),
        0,
        MAX_SLOW_MODE_S,
        "Seconds of slow mode",
      );
      await access.setSlowMode(room, me, seconds);
      ctx.app.accessChanged(room);
      return `${here}#settings`;
    }
    case "invite": {
      const view = await access.checkModerator(room, me);
      if (view.settings?.dm) {
        throw new ProtocolError(
          "forbidden",
          "A direct message has exactly two people: nobody can be invited.",
        );
      }
      const invite = await ctx.app.invites.invite(room, me);
      return {
        url: new URL(invite.path, ctx.url).href,
        expiresAt: invite.expiresAt,
      };
    }
    case "revoke": {
      await access.checkModerator(room, me);
      await ctx.app.invites.revoke(room, form.get("id") ?? "");
      return `${here}#invites`;
    }
    default:
      throw new ProtocolError("bad_request", "Unknown action.");
  }
}

/** The people page's handlers. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = ctx.params.room ?? "";
    if (!isRoomName(room)) {
      return ctx.render({ kind: "invalid", room }, { status: 404 });
    }
    const me = await ctx.app.sessions.userFromRequest(req, ctx.url);
    return await renderUnlessClosed(ctx, me, () => peopleData(ctx, room, me));
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = ctx.params.room ?? "";
    if (!isRoomName(room)) {
      return ctx.render({ kind: "invalid", room }, { status: 404 });
    }
    const form = await readForm(req);
    const me = await ctx.app.sessions.userFromRequest(req, ctx.url);
    try {
      if (!me) {
        throw new ProtocolError(
          "unauthenticated",
          "Pick a name first: post a message, or pick one in the lobby.",
        );
      }
      const next = await act(ctx, room, me, form);
      if (typeof next === "string") return seeOther(next);
      return await renderUnlessClosed(
        ctx,
        me,
        () => peopleData(ctx, room, me, { invite: next }),
        { status: 201 },
      );
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return await renderUnlessClosed(
        ctx,
        me,
        () => peopleData(ctx, room, me, { error: err.message }),
        { status: err.status },
      );
    }
  },
};

function SlowModeForm(props: { room: string; seconds: number }): JSX.Element {
  return (
    <form method="post" action={`/rooms/${props.room}/people`} class="inline">
      <input type="hidden" name="action" value="slow" />
      <label>
        Slow mode{" "}
        <select name="seconds">
          {SLOW_MODE_CHOICES.map(([value, label]) => (
            <option value={value} selected={value === props.seconds}>
              {label}
            </option>
          ))}
          {!SLOW_MODE_CHOICES.some(([v]) =>
            v === props.seconds
          ) && (
            <option value={props.seconds} selected>
              {props.seconds} s
            </option>
          )}
        </select>
      </label>{" "}
      <button type="submit">Set slow mode</button>
    </form>
  );
}

function Invites(
  props: Extract<PeopleData, { kind: "people" }>,
): JSX.Element {
  const { room, invite, invites } = props;
  return (
    <section id="invites" aria-labelledby="invites-heading">
      <h2 id="invites-heading">Invite people</h2>
      {invite && (
        <div class="invite-made" role="status">
          <label for="invite-url">
            Invite link (copy it and send it to who you invite)
          </label>
          <input
            id="invite-url"
            class="invite-url"
            type="text"
            readOnly
            value={invite.url}
          />
          <p class="hint">
            Anyone with this link can join until{" "}
            {absoluteTimeUtc(invite.expiresAt)}, unless you revoke it.
          </p>
        </div>
      )}
      <form method="post" action={`/rooms/${room}/people`} class="inline">
        <input type="hidden" name="action" value="invite" />
        <button type="submit">Create an invite link</button>
      </form>
      {invites.length > 0 && (
        <ul class="invite-list">
          {invites.map((i) => (
            <li key={i.id}>
              Link {i.id.slice(0, 4)}…, valid until{" "}
              {absoluteTimeUtc(i.expiresAt)}{" "}
              <form
                method="post"
                action={`/rooms/${room}/people`}
                class="inline"
              >
                <input type="hidden" name="action" value="revoke" />
                <input type="hidden" name="id" value={i.id} />
                <button type="submit" class="link-button">Revoke</button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function People(props: Extract<PeopleData, { kind: "people" }>): JSX.Element {
  const { room, role, me, dm } = props;
  const moderator = ROLE_RANK[role] >= ROLE_RANK.moderator;
  return (
    <main class="page people-page" id="main">
      <Title>{`People · ${props.title} · Comet Chat`}</Title>
      <header class="site-header">
        <a href={`/rooms/${room}`} class="back">
          <span aria-hidden="true">←</span> Back to {props.title}
        </a>
        <AccountLinks user={me} />
        <h1>People in {props.title}</h1>
        <p class="tagline">
          {dm
            ? "A direct message: only the two of you can read it."
            : props.visibility === "private"
            ? "A private room: only its members can see it."
            : "A public room: anyone can join."} {props.slowModeSeconds > 0 &&
            `Slow mode: one message every ${props.slowModeSeconds} s.`}
        </p>
      </header>
      {props.error && <p class="form-error" role="alert">{props.error}</p>}
      {moderator && !dm && (
        <section id="settings" aria-labelledby="settings-heading">
          <h2 id="settings-heading">Room settings</h2>
          <SlowModeForm room={room} seconds={props.slowModeSeconds} />
        </section>
      )}
      {moderator && !dm && <Invites {...props} />}
      <section aria-labelledby="people-heading">
        <h2 id="people-heading">People</h2>
        {props.people.length === 0
          ? <p class="empty">Nobody here yet.</p>
          : (
            <ul class="people-list">
              {props.people.map((p) => (
                <PersonRow
                  key={p.user.id}
                  person={p}
                  room={room}
                  me={me}
                  myRole={role}
                  dm={dm}
                />
              ))}
            </ul>
          )}
      </section>
    </main>
  );
}

/** The people page. */
export default function PeoplePage(
  { data }: PageProps<PeopleData>,
): JSX.Element {
  if (data.kind === "closed") return <ClosedRoom {...data} />;
  if (data.kind === "invalid") {
    return (
      <main class="page" id="main">
        <Title>No such room · Comet Chat</Title>
        <h1>No such room</h1>
        <p>
          <a href="/">Back to the rooms</a>
        </p>
      </main>
    );
  }
  return <People {...data} />;
}
