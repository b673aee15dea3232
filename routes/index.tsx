/**
 * `/`: the lobby. GET lists the rooms with who is online; POST (the join
 * form, also without JavaScript) sets the name and redirects to the room.
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
import Lobby, {
  type LobbyProps,
  type LobbyRoom,
  roomProblem,
} from "../islands/Lobby.tsx";

const LobbyIsland = defineIsland("Lobby", Lobby);

/** Rooms listed with the names of who is online (the rest show a count). */
const MAX_ROOMS_WITH_NAMES = 50;

async function lobbyProps(
  ctx: RouteContext,
  user: User | null,
): Promise<LobbyProps> {
  const summaries = await ctx.app.chat.listRooms(user);
  const rooms: LobbyRoom[] = summaries.map((r, i) => ({
    ...r,
    users: i < MAX_ROOMS_WITH_NAMES ? ctx.app.chat.online(r.room) : undefined,
  }));
  return { rooms, user, now: Date.now() };
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
    const headers = new Headers();
    try {
      const problem = roomProblem(room);
      if (problem) throw new ProtocolError("room_invalid", problem);
      await applyFormName(req, ctx, name, headers);
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
        <p class="tagline">Pick a name, pick a room, talk.</p>
      </header>
      <LobbyIsland {...data} />
    </main>
  );
}
