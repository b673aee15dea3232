/**
 * A message's reactions as chips: the emoji and how many gave it, with who
 * in the tooltip and the accessible name. Live, a chip is a toggle button
 * for the person's own reaction (`aria-pressed`); on the server page
 * (without JavaScript) it is plain text, since it could not do anything.
 *
 * @module
 */
import type { JSX } from "preact";
import type { Reactions } from "../protocol/types.ts";

/** Props of {@linkcode ReactionChips}. */
export interface ReactionChipsProps {
  reactions: Reactions;
  /** Display names by user id (ids not in it read as "someone"). */
  names: ReadonlyMap<string, string>;
  /** The person's user id: their reactions are pressed. */
  meId?: string;
  /** Toggles the person's `emoji` (absent: chips are not buttons). */
  onToggle?: (emoji: string, on: boolean) => void;
}

/** "alice", "alice and bob", "alice, bob and carol". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The reaction chips of one message (nothing when it has none). */
export function ReactionChips(props: ReactionChipsProps): JSX.Element | null {
  const entries = Object.entries(props.reactions).filter(([, ids]) =>
    ids.length > 0
  );
  if (entries.length === 0) return null;
  return (
    <ul class="reactions" aria-label="Reactions">
      {entries.map(([emoji, ids]) => {
        const who = listNames(
          ids.map((id) =>
            id === props.meId ? "you" : props.names.get(id) ?? "someone"
          ),
        );
        const mine = props.meId !== undefined && ids.includes(props.meId);
        const label = `${emoji} ${ids.length}: ${who}`;
        const content = (
          <>
            <span aria-hidden="true">{emoji}</span>
            <span class="chip-count" aria-hidden="true">{ids.length}</span>
          </>
        );
        return (
          <li key={emoji}>
            {props.onToggle
              ? (
                <button
                  type="button"
                  class="chip"
                  aria-pressed={mine ? "true" : "false"}
                  aria-label={label}
                  title={`Reacted with ${emoji}: ${who}`}
                  onClick={() => props.onToggle!(emoji, !mine)}
                >
                  {content}
                </button>
              )
              : (
                <span
                  class={mine ? "chip chip--mine" : "chip"}
                  title={`Reacted with ${emoji}: ${who}`}
                >
                  {content}
                  <span class="sr-only">{label}</span>
                </span>
              )}
          </li>
        );
      })}
    </ul>
  );
}
