/**
 * `@name` completion in the composer: while the person types `@` and the
 * start of a member's name, a listbox above the text box offers the
 * members that match. Up and Down move through it, Enter or Tab insert the
 * name (`@name `), Escape closes it; a click inserts too.
 *
 * The text box keeps its `textbox` role (and its focus): the listbox is tied
 * to it with `aria-controls` and `aria-activedescendant`, so a screen reader
 * reads the highlighted member as it changes.
 *
 * @module
 */
import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { User } from "../protocol/types.ts";
import {
  insertMention,
  matchMembers,
  type MentionQuery,
  mentionQuery,
} from "./mentions.ts";

/** The listbox's id (one composer per page). */
export const MENTION_LIST_ID = "mention-list";

/** What {@linkcode useMentionPicker} gives the composer. */
export interface MentionPicker {
  /** The members offered now (empty: the listbox is closed). */
  matches: User[];
  /** The highlighted one, an index into `matches`. */
  active: number;
  /** Call after every input and caret move in the text box. */
  update: (box: HTMLTextAreaElement) => void;
  /** The text box's keydown: `true` when the picker used the key. */
  onKeyDown: (event: KeyboardEvent) => boolean;
  /** Inserts `matches[index]`. */
  pick: (index: number) => void;
  /** Closes the listbox (the text box lost focus). */
  close: () => void;
  /** Attributes for the text box. */
  boxAttrs: {
    "aria-autocomplete": "list";
    "aria-controls"?: string;
    "aria-activedescendant"?: string;
  };
}

/**
 * The picker's state for one composer: `members` are who may be offered,
 * `textRef` the text box, `onText` how the text changes (the inserted
 * mention goes through it like typing).
 */
export function useMentionPicker(
  members: readonly User[],
  textRef: { current: HTMLTextAreaElement | null },
  onText: ((value: string) => void) | undefined,
): MentionPicker {
  const [at, setAt] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  /** The query Escape dismissed: it stays closed until the text changes. */
  const dismissed = useRef<string | null>(null);
  /** Where the caret goes once the inserted text is rendered. */
  const caret = useRef<number | null>(null);

  // Setting a textarea's value puts its caret at the end: put it back after
  // the mention once the new text is in.
  useLayoutEffect(() => {
    const box = textRef.current;
    if (caret.current === null || !box) return;
    box.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  });

  const matches = at ? matchMembers(members, at.query) : [];
  const open = matches.length > 0;
  const current = Math.min(active, matches.length - 1);

  const update = (box: HTMLTextAreaElement) => {
    const found = box.selectionStart === box.selectionEnd
      ? mentionQuery(box.value, box.selectionStart)
      : null;
    const key = found && `${found.start}:${found.query}`;
    if (key !== dismissed.current) dismissed.current = null;
    const next = dismissed.current ? null : found;
    if (next?.start !== at?.start || next?.query !== at?.query) setActive(0);
    setAt(next);
  };

  const pick = (index: number) => {
    const box = textRef.current;
    const user = matches[index];
    if (!box || !at || !user) return;
    const inserted = insertMention(box.value, at, user.name);
    caret.current = inserted.caret;
    setAt(null);
    onText?.(inserted.text);
    box.focus();
  };

  const onKeyDown = (event: KeyboardEvent): boolean => {
    if (!open || event.isComposing) return false;
    const n = matches.length;
    switch (event.key) {
      case "ArrowDown":
        setActive((current + 1) % n);
        break;
      case "ArrowUp":
        setActive((current - 1 + n) % n);
        break;
      case "Enter":
      case "Tab":
        if (event.shiftKey || event.ctrlKey || event.metaKey) return false;
        pick(current);
        break;
      case "Escape":
        dismissed.current = `${at!.start}:${at!.query}`;
        setAt(null);
        // Not also the composer's Escape (which drops the reply).
        event.stopPropagation();
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  };

  return {
    matches,
    active: current,
    update,
    onKeyDown,
    pick,
    close: () => setAt(null),
    boxAttrs: open
      ? {
        "aria-autocomplete": "list",
        "aria-controls": MENTION_LIST_ID,
        "aria-activedescendant": `${MENTION_LIST_ID}-${current}`,
      }
      : { "aria-autocomplete": "list" },
  };
}

/** The listbox of the members a picker offers; nothing when it is closed. */
export function MentionList(
  props: { picker: MentionPicker },
): JSX.Element | null {
  const { matches, active, pick } = props.picker;
  if (matches.length === 0) return null;
  return (
    <ul
      id={MENTION_LIST_ID}
      class="mention-list"
      role="listbox"
      aria-label="People"
    >
      {matches.map((user, i) => (
        <li
          key={user.id}
          id={`${MENTION_LIST_ID}-${i}`}
          role="option"
          aria-selected={i === active ? "true" : "false"}
          class="mention-option"
          // Keep the focus (and the caret) in the text box.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => pick(i)}
        >
          {user.name}
        </li>
      ))}
    </ul>
  );
}
