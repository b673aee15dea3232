/**
 * The notification levels as a group of radio buttons, the room's current
 * one checked: the header's panel (`notify_panel.tsx`, saving on each pick)
 * and the no-JavaScript form (`notify_form.tsx`, posting it) show the same
 * choices.
 *
 * @module
 */
import type { JSX } from "preact";
import type { NotifyLevel } from "../protocol/types.ts";

/** The levels, in the order shown, with their labels. */
const LEVELS: readonly [NotifyLevel, string][] = [
  ["all", "All messages"],
  ["mentions", "Mentions and direct messages"],
  ["none", "Nothing"],
];

/** The choices, as a `<fieldset>`; `children` follow them inside it. */
export function LevelChoices(props: {
  /** The radio group's name (the form field a form posts). */
  name: string;
  level: NotifyLevel;
  /** Called with the level picked (none: a form posts it). */
  onPick?: (level: NotifyLevel) => void;
  children?: JSX.Element;
}): JSX.Element {
  const { onPick } = props;
  return (
    <fieldset>
      <legend>Notify me about</legend>
      {LEVELS.map(([value, label]) => (
        <label key={value} class="notify-level">
          <input
            type="radio"
            name={props.name}
            value={value}
            checked={value === props.level}
            onChange={onPick && (() => onPick(value))}
          />{" "}
          {label}
        </label>
      ))}
      {props.children}
    </fieldset>
  );
}
