/**
 * A person's name wherever names show: a claimed name (an account) plainly
 * with a subtle check mark, a guest's with a "guest" badge, so two people
 * called "dave" can be told apart. {@linkcode PersonMenu} adds what can be
 * done with a person (message them, and for moderators a way to the
 * room's people page) as a `<details>` disclosure, which works without
 * JavaScript and costs the island no code.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";

/** A name as plain text, a guest's marked: for sentences and titles. */
export function personText(user: User): string {
  return user.claimed ? user.name : `${user.name} (guest)`;
}

/**
 * A name with its mark: a check for a claimed name, a badge for a guest.
 * The mark sits beside the name's own element (`nameClass`), so the name's
 * text stays the name alone.
 */
export function PersonName(
  props: { user: User; nameClass?: string },
): JSX.Element {
  const { user } = props;
  return (
    <span class="person-name">
      <span class={props.nameClass}>{user.name}</span>
      {user.claimed
        ? (
          <span class="claimed-mark" title="Claimed name">
            <span aria-hidden="true">✓</span>
            <span class="sr-only">(claimed name)</span>
          </span>
        )
        : <span class="guest-badge">guest</span>}
    </span>
  );
}

/** Props of {@linkcode PersonMenu}. */
export interface PersonMenuProps {
  user: User;
  /** The class of the name's element (`msg-author` in messages). */
  nameClass?: string;
  /** The room the menu is shown in (its people page takes the form posts). */
  room: string;
  /** The person is the viewer: no menu, only the name. */
  me?: boolean;
  /** Offer a direct message (not inside a direct-message room). */
  canMessage?: boolean;
  /** The viewer moderates the room: link to the person's moderation row. */
  canModerate?: boolean;
}

/** What a list of names needs to give each a {@linkcode PersonMenu}. */
export type PersonMenuContext =
  & Pick<PersonMenuProps, "room" | "canMessage" | "canModerate">
  & {
    /** The viewer's user id: their own name gets no menu. */
    meId?: string;
  };

/**
 * The name, which opens a small menu: "Message" (a form posting to the
 * room's people page, which opens the direct-message room) and, for
 * moderators, a link to the person's row on the people page.
 */
export function PersonMenu(props: PersonMenuProps): JSX.Element {
  const { user, room } = props;
  if (props.me || (!props.canMessage && !props.canModerate)) {
    return <PersonName user={user} nameClass={props.nameClass} />;
  }
  return (
    <details class="person-menu">
      <summary>
        <PersonName user={user} nameClass={props.nameClass} />
      </summary>
      <div class="person-actions">
        {props.canMessage && (
          <form method="post" action={`/rooms/${room}/people`}>
            <input type="hidden" name="action" value="dm" />
            <input type="hidden" name="user" value={user.id} />
            <button type="submit" class="link-button">
              Message {user.name}
            </button>
          </form>
        )}
        {props.canModerate && (
          <a href={`/rooms/${room}/people#p-${user.id}`}>Moderate…</a>
        )}
      </div>
    </details>
  );
}
