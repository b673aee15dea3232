/**
 * `@name` completion in the composer: while the person types `@` and the
 * start of a member's name, a listbox above the text box offers the
 * members that match. Up and Down move through it, Enter or Tab insert the
 * name (`@name `), Escape closes it; a click inserts too.
 *
 * The composer loads this module on the first `@` typed (the room page's
 * script budget is tight), so the picker works on the text box from the
 * outside: it listens to its events, and takes the keys it uses in the
 * form's capture phase, before the text box's own Enter-sends handler. The
 * text box keeps its `textbox` role (and the focus); the listbox is tied to
 * it with `aria-controls` and `aria-activedescendant`, so a screen reader
 * reads the highlighted member as it changes.
 *
 * @module
 */
import type { JSX } from "preact";
import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "preact/hooks";
import type { User } from "../protocol/types.ts";
import {
  insertMention,
  matchMembers,
  mentionCandidates,
  type MentionQuery,
  mentionQuery,
} from "./mention_complete.ts";

/** The listbox's id (one composer per page). */
export const MENTION_LIST_ID = "mention-list";

/** Who the picker may offer: what the room island knows of people. */
export interface MentionSource {
  online: readonly User[];
  /** The loaded messages (their authors). */
  messages: readonly { user: User }[];
  /** The person, who is not offered. */
  meId?: string;
}

/** Props of {@linkcode MentionPicker}. */
export interface MentionPickerProps {
  /** The composer's text box. */
  box: HTMLTextAreaElement;
  source: MentionSource;
  /** How the text changes (the inserted mention goes through it like typing). */
  onText?: (value: string) => void;
}

/** Keys that move the caret without input: the `@…` before it may change. */
const CARET_KEYS = /^(Arrow(Left|Right)|Home|End)$/;

/** The listbox of the members matching the `@…` before the caret. */
export function MentionPicker(props: MentionPickerProps): JSX.Element | null {
  const { box, source, onText } = props;
  const [at, setAt] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  /** The query Escape dismissed: it stays closed until the text changes. */
  const dismissed = useRef<string | null>(null);
  /** Where the caret goes once the inserted text is rendered. */
  const caret = useRef<number | null>(null);

  const members = useMemo(
    () => mentionCandidates(source.online, source.messages, source.meId),
    [source.online, source.messages, source.meId],
  );
  const matches = at ? matchMembers(members, at.query) : [];
  const open = matches.length > 0;
  const current = Math.min(active, matches.length - 1);

  const pick = (index: number) => {
    const user = matches[index];
    if (!at || !user) return;
    const inserted = insertMention(box.value, at, user.name);
    caret.current = inserted.caret;
    setAt(null);
    onText?.(inserted.text);
    box.focus();
  };

  /** The keys the listbox uses while open; `true` when it used one. */
  const onKey = (event: KeyboardEvent): boolean => {
    if (!open || event.isComposing) return false;
    const n = matches.length;
    switch (event.key) {
      case "ArrowDown":
        setActive((current + 1) % n);
        return true;
      case "ArrowUp":
        setActive((current - 1 + n) % n);
        return true;
      case "Enter":
      case "Tab":
        if (event.shiftKey || event.ctrlKey || event.metaKey) return false;
        pick(current);
        return true;
      case "Escape":
        dismissed.current = `${at!.start}:${at!.query}`;
        setAt(null);
        return true;
    }
    return false;
  };
  // The listeners stay; what they call and see changes with every render.
  const keys = useRef(onKey);
  keys.current = onKey;
  const shown = useRef(at);
  shown.current = at;

  useEffect(() => {
    const update = () => {
      const found = box.selectionStart === box.selectionEnd
        ? mentionQuery(box.value, box.selectionStart)
        : null;
      const key = found && `${found.start}:${found.query}`;
      if (key !== dismissed.current) dismissed.current = null;
      const next = dismissed.current ? null : found;
      const was = shown.current;
      if (next?.start !== was?.start || next?.query !== was?.query) {
        setActive(0);
        setAt(next);
      }
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.target !== box || !keys.current(event)) return;
      // Not Enter-sends, nor the room's Escape (which drops the reply).
      event.preventDefault();
      event.stopPropagation();
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (CARET_KEYS.test(event.key)) update();
    };
    const close = () => setAt(null);
    const form: HTMLElement = box.form ?? box;
    form.addEventListener("keydown", onKeyDown, true);
    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("keyup", onKeyUp);
    box.addEventListener("blur", close);
    update(); // the `@` that loaded the picker
    return () => {
      form.removeEventListener("keydown", onKeyDown, true);
      box.removeEventListener("input", update);
      box.removeEventListener("click", update);
      box.removeEventListener("keyup", onKeyUp);
      box.removeEventListener("blur", close);
    };
  }, [box]);

  // Setting a textarea's value puts its caret at the end: put it back after
  // the mention once the new text is in. And tie the text box to the list.
  useLayoutEffect(() => {
    if (caret.current !== null) {
      box.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
    box.setAttribute("aria-autocomplete", "list");
    if (open) {
      box.setAttribute("aria-controls", MENTION_LIST_ID);
      box.setAttribute(
        "aria-activedescendant",
        `${MENTION_LIST_ID}-${current}`,
      );
    } else {
      box.removeAttribute("aria-controls");
      box.removeAttribute("aria-activedescendant");
    }
  });

  if (!open) return null;
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
          aria-selected={i === current ? "true" : "false"}
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
