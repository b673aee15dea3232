/**
 * "… is typing" for a room.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";

/**
 * The sentence for who is typing (empty when nobody is), with each name
 * made by `name`: a string for plain text, an element for the page.
 */
export function typingParts<T>(
  users: readonly User[],
  name: (user: User) => T,
): Array<T | string> {
  const [a, b] = users;
  if (users.length === 0) return [];
  if (users.length === 1) return [name(a), " is typing…"];
  if (users.length === 2) return [name(a), " and ", name(b), " are typing…"];
  return [
    name(a),
    ", ",
    name(b),
    ` and ${users.length - 2} more are typing…`,
  ];
}

/**
 * A polite live region with the sentence. A guest's name carries
 * `data-guest`, which the stylesheet shows as a "guest" badge: generated
 * content, so the sentence's text stays a plain sentence.
 */
export function TypingLine(props: { users: readonly User[] }): JSX.Element {
  return (
    <div class="typing" aria-live="polite">
      {typingParts(
        props.users,
        (u) => (
          <span class="typing-name" data-guest={u.claimed ? undefined : ""}>
            {u.name}
          </span>
        ),
      )}
    </div>
  );
}
