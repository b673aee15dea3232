/**
 * Initials avatars: a person's initials on a color picked from their user
 * id, so the same person has the same color on every page and for everyone
 * (names need not be unique; ids are).
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";

/** How many avatar colors `static/app.css` defines (`.avatar--0` …). */
export const AVATAR_COLORS = 12;

/** Up to two initials: of the first two words, else the first two letters. */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/u).filter((w) =>
    /[\p{L}\p{N}]/u.test(w)
  );
  const first = (w: string) =>
    Array.from(w.replace(/^[^\p{L}\p{N}]+/u, ""))[0] ?? "";
  if (words.length === 0) return Array.from(name.trim())[0] ?? "?";
  if (words.length === 1) {
    return Array.from(words[0].replace(/[^\p{L}\p{N}]/gu, "")).slice(0, 2)
      .join("").toLocaleUpperCase();
  }
  return (first(words[0]) + first(words[1])).toLocaleUpperCase();
}

/** The avatar color index of a user id (FNV-1a, stable across runtimes). */
export function avatarColor(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % AVATAR_COLORS;
}

/** A decorative avatar (the name is always shown beside it). */
export function Avatar(props: { user: User }): JSX.Element {
  return (
    <span
      class={`avatar avatar--${avatarColor(props.user.id)}`}
      aria-hidden="true"
    >
      {initials(props.user.name)}
    </span>
  );
}
