/**
 * The page a visitor gets for a room they may not see (a private room they
 * are not a member of, or a ban): why, and what to do, with nothing of the
 * room itself.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { RouteContext } from "../http/route_types.ts";
import { Title } from "../render/head.tsx";

/** Props of {@linkcode ClosedRoom}. */
export interface ClosedRoomProps {
  /** The server's reason, as the error said it. */
  message: string;
  /** The visitor has a session (so signing in is not the answer). */
  signedIn: boolean;
}

/** "This room is private". */
export function ClosedRoom(props: ClosedRoomProps): JSX.Element {
  return (
    <main class="page" id="main">
      <Title>Private room · Comet Chat</Title>
      <h1>This room is private</h1>
      <p>{props.message}</p>
      <p>
        {props.signedIn
          ? "Ask one of its members for an invite link."
          : "Sign in, or open an invite link you were given."}
      </p>
      <p>
        {!props.signedIn && (
          <>
            <a href="/signin">Sign in</a> ·{" "}
          </>
        )}
        <a href="/">Back to the rooms</a>
      </p>
    </main>
  );
}

/** A page's data when the room refused the visitor. */
export interface ClosedData extends ClosedRoomProps {
  kind: "closed";
}

/**
 * Renders `data()`, or the page's `closed` data (the page shows
 * {@linkcode ClosedRoom}) when the room refuses the visitor
 * (`unauthenticated` or `forbidden`), with that status.
 */
export async function renderUnlessClosed(
  ctx: RouteContext,
  user: User | null,
  data: () => Promise<unknown>,
  init?: ResponseInit,
): Promise<Response> {
  try {
    return ctx.render(await data(), init);
  } catch (error) {
    if (
      !(error instanceof ProtocolError) ||
      (error.code !== "forbidden" && error.code !== "unauthenticated")
    ) {
      throw error;
    }
    const closed: ClosedData = {
      kind: "closed",
      signedIn: user !== null,
      message: error.message,
    };
    return ctx.render(closed, {
      status: error.status,
      headers: init?.headers,
    });
  }
}
