/**
 * The message composer: a real form posting to `/rooms/:room`, so it works
 * without JavaScript; the island intercepts the submit when it runs, and
 * then completes `@name` mentions (`mention_picker.tsx`, loaded on the
 * first `@` typed).
 *
 * @module
 */
import type { ComponentType, JSX } from "preact";
import { useState } from "preact/hooks";
import { LIMITS } from "../protocol/limits.ts";
import type { MentionPickerProps, MentionSource } from "./mention_picker.tsx";

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  room: string;
  /** Whom the room is with, for a direct message (the placeholder names them). */
  dmName?: string;
  /** Id for the form post without JavaScript (a re-submit is not stored twice). */
  formId: string;
  /** Ask for a name: the person has no named session yet. */
  needsName: boolean;
  name: string;
  text: string;
  error?: string;
  busy?: boolean;
  /** The island is running (Enter sends); without it, only the button does. */
  live?: boolean;
  /**
   * Enter sends (Shift+Enter adds a line). `false` on phones and other
   * touch-first screens, whose keyboards have no Shift+Enter: there Enter
   * adds a line and the Send button sends.
   */
  enterSends?: boolean;
  /** Live: who `@` may offer (who is online, authors of loaded messages). */
  members?: MentionSource;
  onName?: (value: string) => void;
  onText?: (value: string) => void;
  onSubmit?: (event: SubmitEvent) => void;
  textRef?: { current: HTMLTextAreaElement | null };
  nameRef?: { current: HTMLInputElement | null };
}

const ON_SERVER = typeof document === "undefined";

/** Enter sends; Shift+Enter (or an IME composition) keeps editing. */
function sendOnEnter(event: KeyboardEvent): void {
  if (
    event.key !== "Enter" || event.shiftKey || event.isComposing ||
    event.altKey ||
    event.ctrlKey || event.metaKey
  ) return;
  event.preventDefault();
  (event.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
}

/** The hint under the text box. */
export function composerHint(
  props: Pick<ComposerProps, "text" | "live" | "enterSends">,
): string {
  const over = [...props.text].length - LIMITS.maxTextChars;
  if (over > 0) {
    return `${over} characters too long (at most ${LIMITS.maxTextChars}).`;
  }
  if (!props.live) return "";
  return props.enterSends === false
    ? ""
    : "Enter sends, Shift+Enter adds a line.";
}

/** The composer form. */
export function Composer(props: ComposerProps): JSX.Element {
  const over = [...props.text].length - LIMITS.maxTextChars;
  const [Picker, setPicker] = useState<ComponentType<MentionPickerProps>>();
  const box = props.textRef?.current;
  return (
    <form
      class="composer"
      method="post"
      action={`/rooms/${props.room}`}
      onSubmit={props.onSubmit}
      aria-busy={props.busy ? "true" : undefined}
    >
      <input type="hidden" name="id" value={props.formId} />
      {props.needsName && (
        <div class="composer-name">
          <label for="composer-name">Name</label>
          <input
            id="composer-name"
            name="name"
            type="text"
            autocomplete="nickname"
            required
            maxLength={64}
            value={props.name}
            ref={props.nameRef}
            onInput={(e) =>
              props.onName?.((e.currentTarget as HTMLInputElement).value)}
            aria-describedby="composer-name-hint"
          />
          <span id="composer-name-hint" class="hint">Pick a name to post</span>
        </div>
      )}
      <div class="composer-row">
        {Picker && box && props.members && (
          <Picker box={box} source={props.members} onText={props.onText} />
        )}
        <label for="composer-text" class="sr-only">Message</label>
        <textarea
          id="composer-text"
          name="text"
          rows={1}
          required
          placeholder={`Message ${props.dmName ?? `#${props.room}`}`}
          // The server's precompiled JSX writes `value` as an attribute, which a
          // textarea ignores: there, the draft goes in as its content.
          value={ON_SERVER ? undefined : props.text}
          ref={props.textRef}
          onInput={(e) => {
            const value = (e.currentTarget as HTMLTextAreaElement).value;
            props.onText?.(value);
            if (!Picker && props.members && value.includes("@")) {
              import("./mention_picker.tsx").then(
                (m) => setPicker(() => m.MentionPicker),
                () => {}, // offline: no completion, typing goes on
              );
            }
          }}
          onKeyDown={props.live && props.enterSends !== false
            ? sendOnEnter
            : undefined}
          aria-describedby="composer-help"
          aria-invalid={over > 0 ? "true" : undefined}
        >
          {ON_SERVER ? props.text : undefined}
        </textarea>
        <button type="submit" class="send">Send</button>
      </div>
      <p id="composer-help" class="hint">{composerHint(props)}</p>
      {props.error && <p class="composer-error" role="alert">{props.error}</p>}
    </form>
  );
}
