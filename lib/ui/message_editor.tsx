/**
 * Editing a message in place: a text box with the message's text, Enter
 * (or Save) saves, Shift+Enter adds a line, Escape (or Cancel) leaves it as
 * it was. The box takes the focus with the cursor at the end.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/** Props of {@linkcode MessageEditor}. */
export interface MessageEditorProps {
  /** The text as it is. */
  text: string;
  /** Why the last save was refused, shown under the box. */
  error?: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}

/** The inline editor that replaces a message's text while editing. */
export function MessageEditor(props: MessageEditorProps): JSX.Element {
  const [draft, setDraft] = useState(props.text);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  return (
    <form
      class="msg-editor"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(draft);
      }}
    >
      <textarea
        ref={box}
        aria-label="Edit message"
        aria-describedby="edit-hint"
        aria-invalid={props.error ? "true" : undefined}
        rows={2}
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            props.onCancel();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            props.onSave(draft);
          }
        }}
      />
      {props.error && <p class="composer-error" role="alert">{props.error}</p>}
      <div class="msg-editor-row">
        <span class="hint" id="edit-hint">
          Enter saves, Escape cancels.
        </span>
        <button type="button" class="button-quiet" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit">Save</button>
      </div>
    </form>
  );
}
