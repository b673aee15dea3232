/**
 * `/`: the lobby. GET lists the rooms with who is online, and the person's
 * private rooms and direct messages; POST (the join form, also without
 * JavaScript) sets the name and redirects to the room, after creating it
 * (owned by the person, public or private) for its "Create room" button.
 *
 * @module
 */
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
import { Title } from "../lib/render/head.tsx";
import { defineIsland } from "../lib/render/island.tsx";
import { Brand, PRODUCT_NAME } from "../lib/ui/brand.tsx";
import { applyFormName, seeOther } from "../lib/ui/forms.ts";
import { AccountLinks } from "../lib/ui/account_links.tsx";
import { dmPartnerName, dmTitle } from "../lib/ui/room_labels.ts";
import type { Visibility } from "../lib/access/room_records.ts";
import Lobby, {
  type LobbyProps,
  type LobbyRoom,
  type OwnRoom,
  roomProblem,
} from "../islands/Lobby.tsx";

const LobbyIsland = defineIsland("Lobby", Lobby);

/** Rooms listed with the names of who is online (the rest show a count). */
const MAX_ROOMS_WITH_NAMES = 50;
/** Private rooms and direct messages listed. */
const MAX_OWN_ROOMS = 100;

async function lobbyProps(
  ctx: RouteContext,
  user: User | null,
): Promise<LobbyProps> {
  const summaries = await ctx.app.chat.listRooms(user);
  const rooms: LobbyRoom[] = summaries.map((r, i) => ({
    ...r,
    users: i < MAX_ROOMS_WITH_NAMES ? ctx.app.chat.online(r.room) : undefined,
  }));
  const own = user ? await ownRooms(ctx, user) : [];
  return { rooms, user, now: Date.now(), own };
}

/** The private rooms and direct messages `user` belongs to, labelled. */
async function ownRooms(ctx: RouteContext, user: User): Promise<OwnRoom[]> {
  const names = (await ctx.app.access.privateRoomsOf(user.id)).slice(
    0,
    MAX_OWN_ROOMS,
  );
  const own = await Promise.all(names.map(async (room): Promise<OwnRoom> => {
    const { settings } = await ctx.app.access.view(room, user);
    if (!settings?.dm) return { room, label: `#${room}`, dm: false };
    const name = await dmPartnerName(ctx.app, room, settings, user);
    return { room, label: dmTitle(name), dm: true };
  }));
  return own.sort((a, b) =>
    Number(a.dm) - Number(b.dm) || a.label.localeCompare(b.label)
  );
}

/**
 * Creates `room` owned by `user`; `name_taken` when it exists, whether
 * created or visited before (a private one the person cannot see as well).
 */
async function createRoom(
  ctx: RouteContext,
  room: string,
  user: User,
  visibility: Visibility,
): Promise<void> {
  let hasEvents: boolean;
  try {
    hasEvents = (await ctx.app.chat.latest(room, 1, user)).head.seq > 0;
  } catch (err) {
    // Someone else's private room: it exists.
    if (!(err instanceof ProtocolError) || err.code !== "forbidden") throw err;
    hasEvents = true;
  }
  await ctx.app.access.create(room, user, visibility, hasEvents);
}

/** The lobby's handlers. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
    return ctx.render(await lobbyProps(ctx, user));
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const form = await readForm(req);
    const room = form.get("room") ?? "";
    const name = form.get("name");
    const create = form.get("intent") === "create";
    const visibility: Visibility = form.get("visibility") === "private"
      ? "private"
      : "public";
    const headers = new Headers();
    try {
      const problem = roomProblem(room);
      if (problem) throw new ProtocolError("room_invalid", problem);
      const user = await applyFormName(req, ctx, name, headers);
      if (create) {
        if (!user) {
          throw new ProtocolError(
            "unauthenticated",
            "Pick a name to create a room.",
          );
        }
        await createRoom(ctx, room, user, visibility);
      }
      return seeOther(`/rooms/${room}`, headers);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
      const props = await lobbyProps(ctx, user);
      return ctx.render(
        {
          ...props,
          error: err.message,
          draftRoom: room,
          draftName: name ?? undefined,
          draftVisibility: visibility,
        },
        { status: err.status, headers },
      );
    }
  },
};

/** The lobby page. */
export default function LobbyPage(
  { data }: PageProps<LobbyProps>,
): JSX.Element {
  return (
    <main class="page" id="main">
      <Title>{`${PRODUCT_NAME} · Rooms`}</Title>
      <header class="site-header">
        <h1>
          <Brand />
        </h1>
        <AccountLinks user={data.user} />
        <p class="tagline">Pick a name, pick a room, talk.</p>
      </header>
      <LobbyIsland {...data} />
    </main>
  );
}
