/**
 * The lobby: pick a name, see the rooms and who is in them (refreshed while
 * the page is visible), with the unread messages and mentions of those the
 * person is in, join a room by name or create one you own, public or
 * private, and find your private rooms and direct messages. The form
 * posts to `/` (its "Create room" button with `intent=create`) and works
 * without JavaScript; the island validates as you type and keeps the room
 * list current.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { User } from "../lib/protocol/types.ts";
import { ROOM_NAME_PATTERN } from "../lib/protocol/limits.ts";
import { parseDisplayName } from "../lib/protocol/validate.ts";
import { relativeTime } from "../lib/ui/time.ts";
import { UnreadBadge, type UnreadCount } from "../lib/ui/unread_badge.tsx";

/** A room in the lobby list. */
export interface LobbyRoom {
  room: string;
  /** How many people are online. */
  online: number;
  /** Who, when known (the page knows; `/api/rooms` may not say). */
  users?: User[];
  seq: number;
  lastTs: number;
  /** For a room the person is in: their unread messages there. */
  unread?: number;
  /** …and those that mention them. */
  mentions?: number;
}

/** A room's counts when the person is in it. */
function countsOf(room: LobbyRoom | undefined): UnreadCount | undefined {
  return room?.unread === undefined
    ? undefined
    : { unread: room.unread, mentions: room.mentions ?? 0 };
}

/** A private room or direct message the person belongs to. */
export interface OwnRoom {
  room: string;
  /** `#room`, or "Direct message with …". */
  label: string;
  dm: boolean;
}

/** Props, as the lobby page renders them. */
export interface LobbyProps {
  rooms: LobbyRoom[];
  user: User | null;
  now: number;
  /** The person's private rooms and direct messages. */
  own?: OwnRoom[];
  error?: string;
  draftRoom?: string;
  draftName?: string;
  /** The visibility chosen in a failed "Create room" post. */
  draftVisibility?: "public" | "private";
}

/** How often the room list refreshes while the page is visible. */
const REFRESH_MS = 5_000;

/** Why `room` is not a valid room name, or `null`. */
export function roomProblem(room: string): string | null {
  if (ROOM_NAME_PATTERN.test(room)) return null;
  if (room === "") return "Enter a room name.";
  if (ROOM_NAME_PATTERN.test(room.toLowerCase())) {
    return `Room names are lower case: try "${room.toLowerCase()}".`;
  }
  return 'Room names use a–z, 0–9, "_" and "-" (up to 64), starting with a letter or digit.';
}

function mergeRooms(prev: LobbyRoom[], fresh: LobbyRoom[]): LobbyRoom[] {
  const known = new Map(prev.map((r) => [r.room, r]));
  return fresh.map((r) => {
    if (r.users) return r;
    // Keep the names we had while the count still matches them.
    const old = known.get(r.room)?.users;
    return old && old.length === r.online ? { ...r, users: old } : r;
  });
}

function Room(
  props: {
    room: LobbyRoom;
    now: number;
    onOpen?: (room: string, event: MouseEvent) => void;
  },
): JSX.Element {
  const { room, now } = props;
  const names = room.users?.map((u) => u.name).sort((a, b) =>
    a.localeCompare(b)
  );
  return (
    <li class="room-card" data-room={room.room}>
      <a
        href={`/rooms/${room.room}`}
        class="room-link"
        onClick={(e) => props.onOpen?.(room.room, e)}
      >
        #{room.room}
        <UnreadBadge counts={countsOf(room)} />
      </a>
      <span class="room-online">
        {room.online === 0
          ? "nobody online"
          : names && names.length > 0
          ? `${room.online} online: ${names.join(", ")}`
          : `${room.online} online`}
      </span>
      {room.lastTs > 0 && (
        <span class="room-last">
          last message{" "}
          <time dateTime={new Date(room.lastTs).toISOString()}>
            {relativeTime(room.lastTs, now)}
          </time>
        </span>
      )}
    </li>
  );
}

/** The lobby island. */
export default function Lobby(props: LobbyProps): JSX.Element {
  const [rooms, setRooms] = useState(props.rooms);
  const [now, setNow] = useState(props.now);
  const [name, setName] = useState(props.draftName ?? props.user?.name ?? "");
  const [room, setRoom] = useState(props.draftRoom ?? "");
  const [error, setError] = useState(props.error);
  const [touched, setTouched] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const roomRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      if (stopped) return;
      if (document.visibilityState === "visible") {
        try {
          const res = await fetch("/api/rooms", { credentials: "same-origin" });
          if (res.ok) {
            const body = await res.json() as { rooms?: LobbyRoom[] };
            if (Array.isArray(body.rooms)) {
              setRooms((prev) => mergeRooms(prev, body.rooms!));
            }
          }
        } catch {
          // Offline: try again later.
        }
        setNow(Date.now());
      }
      if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") {
        clearTimeout(timer);
        void refresh();
      }
    };
    document.addEventListener("visibilitychange", onVisible);
    setNow(Date.now());
    timer = setTimeout(refresh, REFRESH_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);

  const roomError = touched ? roomProblem(room) : null;
  const own = props.own ?? [];
  const ownNames = new Set(own.map((r) => r.room));
  // Private rooms are listed apart, under their labels.
  const listed = rooms.filter((r) => !ownNames.has(r.room));

  /** Why the name typed cannot be used, or `null` (empty is fine). */
  const nameProblem = (value: string): string | null => {
    if (value.trim() === "") return null;
    try {
      parseDisplayName(value);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };

  const onSubmit = (event: SubmitEvent) => {
    setTouched(true);
    // The field, not the state: a room link sets it just before submitting.
    const target = roomRef.current?.value ?? room;
    const problem = roomProblem(target) ?? nameProblem(name);
    if (problem) {
      event.preventDefault();
      setError(problem);
      return;
    }
    setError(undefined); // the browser posts the form
  };

  // A room link would drop a name typed but not yet submitted (the person
  // would arrive as a guest): go through the form instead, which sets it.
  const onOpenRoom = (target: string, event: MouseEvent) => {
    const typed = name.trim();
    if (typed === "" || typed === props.user?.name) return;
    if (
      event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey
    ) {
      return; // a new tab or window: let the browser open the link
    }
    event.preventDefault();
    const problem = nameProblem(name);
    if (problem) {
      setError(problem);
      return;
    }
    if (roomRef.current) roomRef.current.value = target;
    setRoom(target);
    formRef.current?.requestSubmit();
  };

  return (
    <div class="lobby">
      <form
        class="join-form"
        ref={formRef}
        method="post"
        action="/"
        onSubmit={onSubmit}
        novalidate
      >
        <div class="field">
          <label for="lobby-name">Name</label>
          <input
            id="lobby-name"
            name="name"
            type="text"
            autocomplete="nickname"
            maxLength={64}
            value={name}
            onInput={(e) =>
              setName((e.currentTarget as HTMLInputElement).value)}
            aria-describedby="lobby-name-hint"
          />
          <span id="lobby-name-hint" class="hint">
            {props.user
              ? "Change it any time."
              : "How others see you (you can also pick it later)."}
          </span>
        </div>
        <div class="field">
          <label for="lobby-room">Room</label>
          <input
            id="lobby-room"
            name="room"
            type="text"
            required
            autocapitalize="none"
            autocomplete="off"
            spellcheck={false}
            maxLength={64}
            pattern="[a-z0-9][a-z0-9_\-]{0,63}"
            ref={roomRef}
            value={room}
            onInput={(e) =>
              setRoom((e.currentTarget as HTMLInputElement).value)}
            onBlur={() => setTouched(true)}
            aria-invalid={roomError ? "true" : undefined}
            aria-describedby="lobby-room-hint"
          />
          <span id="lobby-room-hint" class="hint">
            {
              // Said once: not here as well when the alert below says it.
              roomError && roomError !== error
                ? roomError
                : 'Lower case a–z, 0–9, "_" and "-". Join opens a room (a new name makes it, public); Create room makes one you own.'
            }
          </span>
        </div>
        <button type="submit">Join room</button>
        <fieldset class="create-room">
          <legend>Or create it as a new room</legend>
          <label>
            <input
              type="radio"
              name="visibility"
              value="public"
              checked={props.draftVisibility !== "private"}
            />{" "}
            Public: anyone can find and join it
          </label>
          <label>
            <input
              type="radio"
              name="visibility"
              value="private"
              checked={props.draftVisibility === "private"}
            />{" "}
            Private: only people you invite
          </label>
          <button type="submit" name="intent" value="create">
            Create room
          </button>
        </fieldset>
        {error && <p class="form-error" role="alert">{error}</p>}
      </form>
      {own.length > 0 && (
        <section class="rooms" aria-labelledby="own-heading">
          <h2 id="own-heading">Your private rooms and direct messages</h2>
          <ul class="room-list">
            {own.map((r) => (
              <li class="room-card" data-room={r.room} key={r.room}>
                <a href={`/rooms/${r.room}`} class="room-link">
                  {r.label}
                  <UnreadBadge
                    counts={countsOf(rooms.find((l) =>
                      l.room === r.room
                    ))}
                  />
                </a>
                <span class="room-online">
                  {r.dm ? "direct message" : "private"}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section class="rooms" aria-labelledby="rooms-heading">
        <h2 id="rooms-heading">Rooms</h2>
        {listed.length === 0
          ? <p class="empty">No rooms yet: create one above.</p>
          : (
            <ul class="room-list" aria-live="polite">
              {listed.map((r) => (
                <Room key={r.room} room={r} now={now} onOpen={onOpenRoom} />
              ))}
            </ul>
          )}
      </section>
    </div>
  );
}
