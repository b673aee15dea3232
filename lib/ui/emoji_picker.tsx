/**
 * The reaction picker: a handful of common emoji plus the ones already on
 * the message, each a toggle of the person's reaction. It takes the focus
 * when it opens, and Escape closes it.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** The emoji offered on every message. */
export const COMMON_EMOJI: readonly string[] = [
  "👍",
  "❤️",
  "😂",
  "🎉",
  "😮",
  "😢",
  "🙏",
  "👀",
];

/** Props of {@linkcode EmojiPicker}. */
export interface EmojiPickerProps {
  /** Emoji on the message already (offered too, after the common ones). */
  present: readonly string[];
  /** The emoji the person gave this message. */
  mine: readonly string[];
  onPick: (emoji: string, on: boolean) => void;
  onClose: () => void;
}

/** The picker, shown under the message it reacts to. */
export function EmojiPicker(props: EmojiPickerProps): JSX.Element {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const offered = [...new Set([...COMMON_EMOJI, ...props.present])];
  return (
    <div
      class="picker"
      role="group"
      aria-label="Add a reaction"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          props.onClose();
        }
      }}
    >
      {offered.map((emoji, i) => {
        const mine = props.mine.includes(emoji);
        return (
          <button
            key={emoji}
            type="button"
            class="picker-emoji"
            ref={i === 0 ? first : undefined}
            aria-pressed={mine ? "true" : "false"}
            aria-label={`React with ${emoji}`}
            onClick={() => props.onPick(emoji, !mine)}
          >
            {emoji}
          </button>
        );
      })}
      <button type="button" class="picker-close" onClick={props.onClose}>
        Close
      </button>
    </div>
  );
}
