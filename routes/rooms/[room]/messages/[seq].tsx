/**
 * `/rooms/:room/messages/:seq`: one message, editable and deletable by its
 * author without JavaScript. GET shows the message (folded) with an edit
 * form and a delete form; POST (`action` = `edit` with `text`, or `delete`;
 * `id` makes it idempotent like any send) stores the edit or deletion and
 * redirects to the room with `303`, or shows the form again with the error.
 *
 * @module
 */
import { takeSend } from "../../../../lib/http/send_limit.ts";
import type { JSX } from "preact";
import type {
  Handlers,
  PageProps,
  RouteContext,
} from "../../../../lib/http/route_types.ts";
import { readForm } from "../../../../lib/http/body.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { newMessageId } from "../../../../lib/client/ids.ts";
import { ProtocolError } from "../../../../lib/protocol/errors.ts";
import type { ChatMessage, User } from "../../../../lib/protocol/types.ts";
import {
  isRoomName,
  parseClientId,
  parseMessageText,
} from "../../../../lib/protocol/validate.ts";
import type { EventInput } from "../../../../lib/engine/engine.ts";
import { Title } from "../../../../lib/render/head.tsx";
import { seeOther } from "../../../../lib/ui/forms.ts";

/** What the page renders. */
interface MessagePageData {
  room: string;
  seq: number;
  /** The folded message; absent when there is none (404). */
  message?: ChatMessage;
  /** Whether the viewer wrote it (only then are the forms shown). */
  mine: boolean;
  /** A fresh id for each form's post (idempotent on a repeated submit). */
  editId: string;
  deleteId: string;
  error?: string;
  /** The text the viewer typed, after a failed edit. */
  draft?: string;
}

/** The room and seq of the path, or `undefined` when either is malformed. */
function target(ctx: RouteContext): { room: string; seq: number } | undefined {
  const room = ctx.params.room ?? "";
  const raw = ctx.params.seq ?? "";
  if (!isRoomName(room) || !/^[1-9]\d{0,14}$/.test(raw)) return undefined;
  return { room, seq: Number(raw) };
}

/** The folded message `seq` of `room`, if it is a retained message. */
async function findMessage(
  ctx: RouteContext,
  room: string,
  seq: number,
  user: User | null,
): Promise<ChatMessage | undefined> {
  const { messages } = await ctx.app.chat.history(room, seq + 1, 1, user);
  return messages[0]?.seq === seq ? messages[0] : undefined;
}

async function pageData(
  ctx: RouteContext,
  room: string,
  seq: number,
  user: User | null,
): Promise<MessagePageData> {
  const message = await findMessage(ctx, room, seq, user);
  return {
    room,
    seq,
    message,
    mine: message !== undefined && message.user.id === user?.id,
    editId: newMessageId(),
    deleteId: newMessageId(),
  };
}

/** The message page's handlers. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const at = target(ctx);
    if (!at) return ctx.render(missing(ctx), { status: 404 });
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    const data = await pageData(ctx, at.room, at.seq, user);
    return ctx.render(data, { status: data.message ? 200 : 404 });
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const at = target(ctx);
    if (!at) return ctx.render(missing(ctx), { status: 404 });
    const form = await readForm(req);
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    const text = form.get("text") ?? "";
    try {
      if (!user) {
        throw new ProtocolError(
          "unauthenticated",
          "Pick a name in the room before changing messages.",
        );
      }
      const id = parseClientId(form.get("id") || newMessageId());
      const action = form.get("action");
      let input: EventInput;
      if (action === "edit") {
        input = {
          type: "edit",
          target: at.seq,
          text: parseMessageText(text, id),
        };
      } else if (action === "delete") {
        input = { type: "delete", target: at.seq };
      } else {
        throw new ProtocolError(
          "bad_request",
          'The form\'s "action" must be "edit" or "delete".',
        );
      }
      takeSend(ctx, user);
      await ctx.app.chat.post(at.room, user, id, input);
      return seeOther(`/rooms/${at.room}#m-${at.seq}`);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const data = await pageData(ctx, at.room, at.seq, user);
      data.error = error.message;
      data.draft = text;
      return ctx.render(data, { status: error.status });
    }
  },
};

function missing(ctx: RouteContext): MessagePageData {
  return {
    room: isRoomName(ctx.params.room) ? ctx.params.room : "",
    seq: 0,
    mine: false,
    editId: "",
    deleteId: "",
  };
}

/** The message page. */
export default function MessagePage(
  { data }: PageProps<MessagePageData>,
): JSX.Element {
  const { room, seq, message, mine, error } = data;
  const back = room ? `/rooms/${room}` : "/";
  return (
    <main class="page message-page" id="main">
      <Title>{room ? `Message in #${room} · Chat` : "No such message"}</Title>
      <header class="site-header">
        <a href={back} class="back">
          <span aria-hidden="true">←</span> Back to{" "}
          {room ? `#${room}` : "rooms"}
        </a>
        <h1>
          {message ? `Message from ${message.user.name}` : "No such message"}
        </h1>
      </header>
      {error && <p class="banner error" role="alert">{error}</p>}
      {!message && (
        <p>
          There is no message here: it may have been deleted, or it is older
          than the room keeps.
        </p>
      )}
      {message && (
        <blockquote class="msg-text" id={`m-${seq}`}>
          {message.deleted ? "This message was deleted." : message.text}
        </blockquote>
      )}
      {message && !message.deleted && !mine && (
        <p>Only its author can edit or delete this message.</p>
      )}
      {message && !message.deleted && mine && (
        <>
          <form method="post" class="edit-form">
            <input type="hidden" name="action" value="edit" />
            <input type="hidden" name="id" value={data.editId} />
            <label for="edit-text">Edit your message</label>
            <textarea id="edit-text" name="text" rows={4} required>
              {data.draft ?? message.text}
            </textarea>
            <button type="submit">Save</button>
          </form>
          <form method="post" class="delete-form">
            <input type="hidden" name="action" value="delete" />
            <input type="hidden" name="id" value={data.deleteId} />
            <button type="submit" class="danger">Delete this message</button>
          </form>
        </>
      )}
    </main>
  );
}
