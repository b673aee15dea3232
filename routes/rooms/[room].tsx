/**
 * `/rooms/:room`: the room. GET renders the latest messages on the server,
 * then the live island; `?before=N` renders an older page (the way back in
 * history without JavaScript). POST is the composer's form post without
 * JavaScript (`text`, `name`, `id`): stores the message and redirects back
 * with `303`, or shows the room again with the error and the draft.
 *
 * @module
 */
import { takeSend } from "../../lib/http/send_limit.ts";
import type { JSX } from "preact";
import type {
  Handlers,
  PageProps,
  RouteContext,
} from "../../lib/http/route_types.ts";
import { readForm } from "../../lib/http/body.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { newMessageId } from "../../lib/client/ids.ts";
import { ProtocolError } from "../../lib/protocol/errors.ts";
import { LIMITS } from "../../lib/protocol/limits.ts";
import type { ChatMessage, User } from "../../lib/protocol/types.ts";
import {
  isRoomName,
  parseClientId,
  parseMessageText,
} from "../../lib/protocol/validate.ts";
import { Title } from "../../lib/render/head.tsx";
import { defineIsland } from "../../lib/render/island.tsx";
import { applyFormName, seeOther } from "../../lib/ui/forms.ts";
import { MessageList } from "../../lib/ui/message_list.tsx";
import { NotifyForm } from "../../lib/ui/notify_form.tsx";
import {
  type ClosedData,
  ClosedRoom,
  renderUnlessClosed,
} from "../../lib/ui/closed_room.tsx";
import { dmPartnerName, dmTitle } from "../../lib/ui/room_labels.ts";
import { ROLE_RANK } from "../../lib/access/room_records.ts";
import { countUnread } from "../../lib/client/read_tracker.ts";
import { sidebarRooms } from "../../lib/ui/sidebar_rooms.ts";
import { titleWithCount } from "../../lib/ui/use_unread.ts";
import RoomChat, { type RoomChatProps } from "../../islands/RoomChat.tsx";

const RoomChatIsland = defineIsland("RoomChat", RoomChat);

/** What the page renders. */
type RoomData =
  | {
    kind: "live";
    chat: RoomChatProps;
    /** Unread messages of the person's rooms, for the title. */
    unread: number;
  }
  | {
    kind: "archive";
    room: string;
    messages: ChatMessage[];
    hasMore: boolean;
    meId?: string;
    now: number;
  }
  | { kind: "invalid"; room: string }
  /** A private room the visitor may not see (or a ban): nothing of it shows. */
  | ClosedData;

/** Extra state after a failed form post. */
interface Draft {
  error: string;
  text: string;
  name?: string;
}

async function liveData(
  ctx: RouteContext,
  room: string,
  user: User | null,
  draft?: Draft,
): Promise<RoomData> {
  const { messages, head } = await ctx.app.chat.latest(
    room,
    LIMITS.joinLatest,
    user,
  );
  const { settings, role } = await ctx.app.access.view(room, user);
  const chat: RoomChatProps = {
    room,
    messages,
    hasMore: (messages[0]?.seq ?? 1) > 1,
    head: head.seq,
    epoch: head.epoch,
    online: ctx.app.chat.online(room),
    user,
    now: Date.now(),
    formId: newMessageId(),
    canModerate: role !== null && ROLE_RANK[role] >= ROLE_RANK.moderator,
  };
  if (settings?.slowModeSeconds) {
    chat.slowModeSeconds = settings.slowModeSeconds;
  }
  if (settings?.dm && user) {
    const partner = await dmPartnerName(ctx.app, room, settings, user);
    chat.dmTitle = dmTitle(partner);
    if (partner !== null) chat.dmName = partner;
  }
  if (draft) {
    chat.error = draft.error;
    chat.draft = draft.text;
    if (draft.name !== undefined) chat.draftName = draft.name;
  }
  chat.title = `${chat.dmTitle ?? `#${room}`} · Comet Chat`;
  let unread = 0;
  if (user) {
    const listed = await ctx.app.chat.listRooms(user);
    // Not in the room yet (never joined): nothing rendered is new to them.
    const here = listed.find((r) => r.room === room);
    const read = here?.read;
    if (read !== undefined) chat.read = read;
    if (here?.level) chat.level = here.level; // for the Notifications menu
    chat.sidebar = await sidebarRooms(ctx.app, user, listed, room);
    unread = countUnread(messages, read ?? head.seq, user.id).unread;
    for (const r of chat.sidebar) unread += r.unread ?? 0;
  }
  return { kind: "live", chat, unread };
}

/** The room's handlers. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = ctx.params.room ?? "";
    if (!isRoomName(room)) {
      return ctx.render({ kind: "invalid", room }, { status: 404 });
    }
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    const beforeRaw = ctx.url.searchParams.get("before");
    if (beforeRaw !== null && /^\d{1,15}$/.test(beforeRaw)) {
      return await renderUnlessClosed(ctx, user, async () => {
        const { messages, hasMore } = await ctx.app.chat.history(
          room,
          Number(beforeRaw),
          LIMITS.historyDefault,
          user,
        );
        return {
          kind: "archive",
          room,
          messages,
          hasMore,
          meId: user?.id,
          now: Date.now(),
        };
      });
    }
    return await renderUnlessClosed(
      ctx,
      user,
      () => liveData(ctx, room, user),
    );
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = ctx.params.room ?? "";
    if (!isRoomName(room)) {
      return ctx.render({ kind: "invalid", room }, { status: 404 });
    }
    const form = await readForm(req);
    const text = form.get("text") ?? "";
    const name = form.get("name");
    const headers = new Headers();
    let user: User | null = null;
    try {
      user = await applyFormName(req, ctx, name, headers);
      if (!user) {
        throw new ProtocolError(
          "unauthenticated",
          "Pick a name before posting.",
        );
      }
      const id = parseClientId(form.get("id") || newMessageId());
      const clean = parseMessageText(text, id);
      takeSend(ctx, user);
      const { seq } = await ctx.app.chat.post(room, user, id, {
        type: "message",
        text: clean,
      });
      return seeOther(`/rooms/${room}#m-${seq}`, headers);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      user ??= await ctx.app.sessions.userFromRequest(req, ctx.url);
      const draft: Draft = { error: err.message, text };
      if (name !== null) draft.name = name;
      if (err.retryAfterMs !== undefined) {
        headers.set(
          "retry-after",
          String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))),
        );
      }
      return await renderUnlessClosed(
        ctx,
        user,
        () => liveData(ctx, room, user, draft),
        { status: err.status, headers },
      );
    }
  },
};

function Archive(props: Extract<RoomData, { kind: "archive" }>): JSX.Element {
  const { room, messages, hasMore, meId, now } = props;
  const oldest = messages[0]?.seq;
  return (
    <main class="page archive" id="main">
      <Title>{`#${room} · older messages · Comet Chat`}</Title>
      <header class="site-header">
        <a href={`/rooms/${room}`} class="back">
          <span aria-hidden="true">←</span> Back to #{room}
        </a>
        <h1>#{room}: older messages</h1>
      </header>
      {hasMore && oldest !== undefined && (
        <a class="older" href={`/rooms/${room}?before=${oldest}`}>
          Older messages
        </a>
      )}
      {messages.length === 0
        ? <p class="empty">No older messages.</p>
        : (
          <section aria-label={`Older messages in #${room}`}>
            <MessageList
              messages={messages.map((m) =>
                m.user.id === meId ? { ...m, delivery: "stored" } : m
              )}
              now={now}
            />
          </section>
        )}
      {messages.length > 0 && (
        <a
          class="newer"
          href={`/rooms/${room}?before=${
            messages.at(-1)!.seq + LIMITS.historyDefault + 1
          }`}
        >
          Newer messages
        </a>
      )}
    </main>
  );
}

/** The room page. */
export default function RoomPage({ data }: PageProps<RoomData>): JSX.Element {
  if (data.kind === "invalid") {
    return (
      <main class="page" id="main">
        <Title>No such room · Comet Chat</Title>
        <h1>No such room</h1>
        <p>
          Room names are 1–64 characters of lower-case a–z, 0–9, “_” and “-”,
          starting with a letter or digit.
        </p>
        <p>
          <a href="/">Back to the rooms</a>
        </p>
      </main>
    );
  }
  if (data.kind === "archive") return <Archive {...data} />;
  if (data.kind === "closed") return <ClosedRoom {...data} />;
  return (
    <main class="page page--room" id="main">
      <Title>{titleWithCount(data.chat.title ?? "", data.unread)}</Title>
      <noscript>
        <p class="banner" data-status="static">
          Without JavaScript the room does not update by itself: reload to see
          new messages.
        </p>
        {data.chat.user && (
          <NotifyForm
            room={data.chat.room}
            level={data.chat.level ?? "mentions"}
          />
        )}
      </noscript>
      <RoomChatIsland {...data.chat} />
    </main>
  );
}
