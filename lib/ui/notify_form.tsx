/**
 * The room's notification level without JavaScript: a form posting to
 * `/rooms/:room/notifications`, which the room page renders inside its
 * `<noscript>` (so it costs the page no script, and live pages use the
 * header's menu instead).
 *
 * @module
 */
import type { JSX } from "preact";
import type { NotifyLevel } from "../protocol/types.ts";
import { LEVELS } from "./notify_panel.tsx";

/** The form, the room's current level checked. */
export function NotifyForm(
  props: { room: string; level: NotifyLevel },
): JSX.Element {
  return (
    <form
      class="notify-form"
      method="post"
      action={`/rooms/${props.room}/notifications`}
    >
      <fieldset>
        <legend>Notify me about</legend>
        {LEVELS.map(([value, label]) => (
          <label key={value} class="notify-level">
            <input
              type="radio"
              name="level"
              value={value}
              checked={value === props.level}
            />{" "}
            {label}
          </label>
        ))}
        <button type="submit">Save</button>
      </fieldset>
    </form>
  );
}
