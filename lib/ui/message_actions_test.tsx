import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import {
  DeleteConfirm,
  type MessageActions,
  MessageToolbar,
} from "./message_actions.tsx";

/** Actions that record what was asked of them. */
export function fakeActions(
  extra: Partial<MessageActions> = {},
): MessageActions {
  return {
    active: null,
    highlight: null,
    setMode: () => {},
    reply: () => {},
    react: () => {},
    save: () => {},
    remove: () => {},
    jump: () => {},
    ...extra,
  };
}

Deno.test("MessageToolbar: reply and react for everyone's messages", () => {
  const html = renderToString(
    <MessageToolbar seq={4} mine={false} actions={fakeActions()} />,
  );
  const names = [...html.matchAll(/aria-label="([^"]+)" title/g)].map((m) =>
    m[1]
  );
  assert.deepEqual(names, ["Reply", "Add reaction"]);
  assert.match(html, /role="group" aria-label="Message actions"/);
  assert.match(
    html,
    /data-action="react" aria-label="Add reaction" title="Add reaction" aria-expanded="false"/,
  );
});

Deno.test("MessageToolbar: edit and delete for the person's own, with state", () => {
  const html = renderToString(
    <MessageToolbar
      seq={4}
      mine
      actions={fakeActions({ active: { seq: 4, mode: "delete" } })}
    />,
  );
  const names = [...html.matchAll(/aria-label="([^"]+)" title/g)].map((m) =>
    m[1]
  );
  assert.deepEqual(names, ["Reply", "Add reaction", "Edit", "Delete"]);
  assert.match(html, /aria-label="Delete" title="Delete" aria-expanded="true"/);
});

Deno.test("DeleteConfirm: asks, with Delete and Cancel", () => {
  const html = renderToString(
    <DeleteConfirm onDelete={() => {}} onCancel={() => {}} />,
  );
  assert.match(html, /role="group" aria-labelledby="delete-question"/);
  assert.match(
    html,
    /id="delete-question">Delete this message for everyone\?</,
  );
  assert.match(html, /class="button-danger"[^>]*>Delete</);
  assert.match(html, /class="button-quiet"[^>]*>Cancel</);
});

Deno.test("MessageToolbar: a moderator may delete anyone's message, not edit it", () => {
  const html = renderToString(
    <MessageToolbar
      seq={4}
      mine={false}
      actions={fakeActions({ moderator: true })}
    />,
  );
  const names = [...html.matchAll(/aria-label="([^"]+)" title/g)].map((m) =>
    m[1]
  );
  assert.deepEqual(names, ["Reply", "Add reaction", "Delete"]);
});
