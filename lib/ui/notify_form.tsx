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
import { LevelChoices } from "./level_choices.tsx";

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
      <LevelChoices name="level" level={props.level}>
        <button type="submit">Save</button>
      </LevelChoices>
    </form>
  );
}
