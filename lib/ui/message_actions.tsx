/**
 * What a person can do to a stored message once the page is live: reply,
 * react, and for their own messages edit and delete (after a confirmation);
 * a room's moderators may delete anyone's.
 * The toolbar shows on hover, on keyboard focus inside the message, and
 * after a long press on touch screens (the island marks that message
 * active); the page without JavaScript has none of it.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** What the person is doing with one message. */
export type ActionMode =
  /** The toolbar is shown (a long press on a touch screen). */
  | "menu"
  /** The emoji picker is open. */
  | "react"
  /** Asking whether to delete. */
  | "delete"
  /** Editing the text in place. */
  | "edit";

/** The island's message actions, handed to every message of the list. */
export interface MessageActions {
  /** The person's user id: their messages can be edited and deleted. */
  meId?: string;
  /** The person moderates the room: they may delete anyone's message. */
  moderator?: boolean;
  /** The one message being acted on, and how. */
  active: { seq: number; mode: ActionMode } | null;
  /** A message to highlight briefly (the target of a reply's jump). */
  highlight: number | null;
  /** Why the last edit was refused before it was sent. */
  editError?: string;
  setMode: (seq: number, mode: ActionMode | null) => void;
  reply: (seq: number) => void;
  react: (seq: number, emoji: string, on: boolean) => void;
  save: (seq: number, text: string) => void;
  remove: (seq: number) => void;
  jump: (seq: number) => void;
}

/** Props of {@linkcode MessageToolbar}. */
export interface MessageToolbarProps {
  seq: number;
  /** The person wrote it: edit and delete too. */
  mine: boolean;
  actions: MessageActions;
}

/** The message's action buttons. */
export function MessageToolbar(props: MessageToolbarProps): JSX.Element {
  const { seq, actions } = props;
  const mode = actions.active?.seq === seq ? actions.active.mode : null;
  const button = (
    label: string,
    icon: string,
    onClick: () => void,
    extra: { expanded?: boolean; name: string },
  ) => (
    <button
      type="button"
      class="icon-button"
      data-action={extra.name}
      aria-label={label}
      title={label}
      aria-expanded={extra.expanded === undefined
        ? undefined
        : extra.expanded
        ? "true"
        : "false"}
      onClick={onClick}
    >
      <span aria-hidden="true">{icon}</span>
    </button>
  );
  return (
    <div class="msg-actions" role="group" aria-label="Message actions">
      {button("Reply", "↩", () => actions.reply(seq), { name: "reply" })}
      {button(
        "Add reaction",
        "☺",
        () => actions.setMode(seq, mode === "react" ? null : "react"),
        { name: "react", expanded: mode === "react" },
      )}
      {props.mine &&
        button("Edit", "✎", () => actions.setMode(seq, "edit"), {
          name: "edit",
        })}
      {(props.mine || actions.moderator) &&
        button(
          "Delete",
          "🗑",
          () => actions.setMode(seq, mode === "delete" ? null : "delete"),
          {
            name: "delete",
            expanded: mode === "delete",
          },
        )}
    </div>
  );
}

/** Props of {@linkcode DeleteConfirm}. */
export interface DeleteConfirmProps {
  onDelete: () => void;
  onCancel: () => void;
}

/**
 * "Delete this message?" in place, focused on Cancel so that a stray Enter
 * deletes nothing; Escape cancels.
 */
export function DeleteConfirm(props: DeleteConfirmProps): JSX.Element {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      class="msg-confirm"
      role="group"
      aria-labelledby="delete-question"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <span id="delete-question">Delete this message for everyone?</span>
      <button type="button" class="button-danger" onClick={props.onDelete}>
        Delete
      </button>
      <button
        type="button"
        class="button-quiet"
        ref={cancel}
        onClick={props.onCancel}
      >
        Cancel
      </button>
    </div>
  );
}
