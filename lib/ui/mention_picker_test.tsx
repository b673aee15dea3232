import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import {
  MENTION_LIST_ID,
  MentionList,
  type MentionPicker,
} from "./mention_picker.tsx";

function picker(matches: MentionPicker["matches"], active = 0): MentionPicker {
  return {
    matches,
    active,
    update: () => {},
    onKeyDown: () => false,
    pick: () => {},
    close: () => {},
    boxAttrs: { "aria-autocomplete": "list" },
  };
}

Deno.test("MentionList: a listbox of options, the active one selected", () => {
  const html = renderToString(
    <MentionList
      picker={picker([{ id: "u_a", name: "alice" }, {
        id: "u_b",
        name: "Bob <b>",
      }], 1)}
    />,
  );
  assert.match(
    html,
    new RegExp(
      `^<ul id="${MENTION_LIST_ID}" class="mention-list" role="listbox"`,
    ),
  );
  const options = [
    ...html.matchAll(/id="([^"]+)" role="option" aria-selected="(\w+)"/g),
  ].map((m) => [m[1], m[2]]);
  assert.deepEqual(options, [
    [`${MENTION_LIST_ID}-0`, "false"],
    [`${MENTION_LIST_ID}-1`, "true"],
  ]);
  // Names are text.
  assert.match(html, />Bob &lt;b><\/li>/);
});

Deno.test("MentionList: nothing while nobody matches", () => {
  assert.equal(renderToString(<MentionList picker={picker([])} />), "");
});
