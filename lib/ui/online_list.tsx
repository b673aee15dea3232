/**
 * Who is online in a room.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";
import { PersonMenu, type PersonMenuContext, PersonName } from "./person.tsx";

/**
 * The list of people online, the person themself marked "(you)", guests
 * marked as guests. `stale`: the page is disconnected, so the list is only
 * the last one known. With `person`, each other name opens a menu.
 */
export function OnlineList(
  props: {
    online: readonly User[];
    meId?: string;
    stale?: boolean;
    person?: PersonMenuContext;
  },
): JSX.Element {
  const sorted = [...props.online].sort((a, b) =>
    a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1)
  );
  return (
    <section
      class="online"
      aria-labelledby="online-heading"
      data-stale={props.stale ? "" : undefined}
    >
      <h2 id="online-heading">
        Online ({sorted.length}){props.stale && ", last known"}
      </h2>
      <ul aria-live="polite">
        {sorted.map((u) => (
          <li key={u.id} data-user-id={u.id}>
            {props.person
              ? (
                <PersonMenu
                  {...props.person}
                  user={u}
                  me={u.id === props.meId}
                />
              )
              : <PersonName user={u} />}
            {u.id === props.meId && <span class="you">(you)</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
