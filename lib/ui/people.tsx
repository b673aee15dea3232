/**
 * One person on a room's people page: their name (guests marked), role and
 * whether they are online or banned, and the forms the viewer may use on
 * them: message them; for the owner, make or unmake a moderator; for
 * moderators, ban (for a while or until lifted) or lift a ban. Plain forms
 * posting to the people page, so all of it works without JavaScript.
 *
 * @module
 */
import type { ComponentChildren, JSX } from "preact";
import type { User } from "../protocol/types.ts";
import { type Role, ROLE_RANK } from "../access/room_records.ts";
import { PersonName } from "./person.tsx";
import { absoluteTimeUtc } from "./time.ts";

/** A person as the people page lists them. */
export interface Person {
  user: User;
  role: Role;
  online: boolean;
  /** Banned (moderators see it): `until` epoch ms, or until lifted. */
  banned?: { until?: number };
}

/** Slow mode choices: seconds and their label. */
export const SLOW_MODE_CHOICES: ReadonlyArray<readonly [number, string]> = [
  [0, "Off"],
  [10, "10 s"],
  [30, "30 s"],
  [60, "1 min"],
  [300, "5 min"],
  [900, "15 min"],
  [3600, "1 hour"],
];

/** Ban durations: minutes ("" until lifted) and their label. */
export const BAN_CHOICES: ReadonlyArray<readonly [string, string]> = [
  ["10", "10 minutes"],
  ["60", "1 hour"],
  ["1440", "1 day"],
  ["10080", "1 week"],
  ["", "until lifted"],
];

const ROLE_LABEL: Record<Role, string> = {
  owner: "owner",
  moderator: "moderator",
  member: "",
};

/** Props of {@linkcode PersonRow}. */
export interface PersonRowProps {
  person: Person;
  room: string;
  /** The viewer. */
  me: User | null;
  /** The viewer's role in the room. */
  myRole: Role;
  /** A direct-message room: nobody to message or moderate there. */
  dm: boolean;
}

/** A form posting `action` (and `fields`) to the people page. */
function ActionForm(
  props: {
    room: string;
    action: string;
    fields: Record<string, string>;
    children: ComponentChildren;
  },
): JSX.Element {
  return (
    <form method="post" action={`/rooms/${props.room}/people`} class="inline">
      <input type="hidden" name="action" value={props.action} />
      {Object.entries(props.fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.children}
    </form>
  );
}

/** A person's row with what the viewer may do. */
export function PersonRow(props: PersonRowProps): JSX.Element {
  const { person, room, me, myRole, dm } = props;
  const { user, role } = person;
  const self = user.id === me?.id;
  const fields = { user: user.id };
  // Bans and roles reach only people below the viewer in the room.
  const outranked = !self && ROLE_RANK[role] < ROLE_RANK[myRole];
  const canModerate = !dm && outranked &&
    ROLE_RANK[myRole] >= ROLE_RANK.moderator;
  const canPromote = !dm && outranked && myRole === "owner";
  return (
    <li
      class="person-row"
      id={`p-${user.id}`}
      data-user-id={user.id}
      data-role={role}
    >
      <span class="person-who">
        <PersonName user={user} />
        {ROLE_LABEL[role] && <span class="role-badge">{ROLE_LABEL[role]}</span>}
        {self && <span class="you">(you)</span>}
        {person.online && <span class="person-online">online</span>}
        {person.banned && (
          <span class="person-banned">
            banned {person.banned.until === undefined
              ? "until lifted"
              : `until ${absoluteTimeUtc(person.banned.until)}`}
          </span>
        )}
      </span>
      <span class="person-controls">
        {!self && !dm && me && (
          <ActionForm room={room} action="dm" fields={fields}>
            <button type="submit">Message</button>
          </ActionForm>
        )}
        {canPromote && (
          <ActionForm
            room={room}
            action="role"
            fields={{
              ...fields,
              role: role === "moderator" ? "member" : "moderator",
            }}
          >
            <button type="submit">
              {role === "moderator" ? "Remove moderator" : "Make moderator"}
            </button>
          </ActionForm>
        )}
        {canModerate && person.banned && (
          <ActionForm room={room} action="unban" fields={fields}>
            <button type="submit">Lift ban</button>
          </ActionForm>
        )}
        {canModerate && !person.banned && (
          <ActionForm room={room} action="ban" fields={fields}>
            <label>
              <span class="sr-only">Ban {user.name} for</span>
              <select name="minutes">
                {BAN_CHOICES.map(([value, label]) => (
                  <option value={value}>{label}</option>
                ))}
              </select>
            </label>{" "}
            <button type="submit" class="danger">Ban {user.name}</button>
          </ActionForm>
        )}
      </span>
    </li>
  );
}
