/**
 * "… is typing" for a room.
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";

/** The sentence for who is typing; empty when nobody is. */
export function typingText(users: readonly User[]): string {
  const names = users.map((u) => u.name);
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} more are typing…`;
}

/** A polite live region with {@linkcode typingText}. */
export function TypingLine(props: { users: readonly User[] }): JSX.Element {
  return <div class="typing" aria-live="polite">{typingText(props.users)}</div>;
}
