import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { MessageItem, type MessageView } from "./message_item.tsx";

const base: MessageView = {
  id: "m1",
  user: { id: "u_1", name: "<alice>" },
  text: "hi **there** <img src=x onerror=alert(1)>",
  ts: Date.UTC(2026, 0, 1, 9, 5),
};

Deno.test("MessageItem: avatar, author, time and the text as Markdown", () => {
  const html = renderToString(<MessageItem message={{ ...base, seq: 7 }} />);
  assert.match(html, /^<li class="msg" id="m-7" data-seq="7" data-id="m1"/);
  assert.match(html, /class="avatar avatar--\d+" aria-hidden="true">AL</);
  assert.match(html, /class="msg-author">&lt;alice></);
  assert.match(html, /<time[^>]*title="2026-01-01 09:05 UTC">09:05 UTC</);
  assert.match(
    html,
    /<div class="msg-text"><p>hi <strong>there<\/strong> &lt;img src=x onerror=alert\(1\)><\/p><\/div>/,
  );
  assert.ok(!html.includes("<img"));
});

Deno.test("MessageItem: the seq is never visible text", () => {
  const html = renderToString(
    <MessageItem message={{ ...base, seq: 4242, delivery: "stored" }} />,
  );
  const visible = html.replace(/<[^>]*>/g, "");
  assert.ok(!visible.includes("4242"), visible);
  assert.match(html, /data-state="stored" title="Sent"/);
});

Deno.test("MessageItem: a continued message has no avatar or name", () => {
  const html = renderToString(
    <MessageItem message={{ ...base, seq: 8 }} continued localTime />,
  );
  assert.match(html, /class="msg msg--continued"/);
  assert.ok(!html.includes("avatar") && !html.includes("msg-author"));
  assert.match(html, /class="msg-gutter"><time/);
});

Deno.test("MessageItem: edited marker and deleted placeholder", () => {
  const edited = renderToString(
    <MessageItem message={{ ...base, seq: 9, edited: base.ts + 60_000 }} />,
  );
  assert.match(
    edited,
    /class="msg-edited" title="Edited 2026-01-01 09:06 UTC">\(edited\)</,
  );
  const deleted = renderToString(
    <MessageItem
      message={{ ...base, seq: 9, text: "", deleted: true, edited: base.ts }}
    />,
  );
  assert.match(deleted, /class="msg msg--deleted"/);
  assert.match(deleted, /This message was deleted\./);
  assert.ok(!deleted.includes("(edited)"));
});

Deno.test("MessageItem: delivery states of the person's own messages", () => {
  const sending = renderToString(
    <MessageItem message={{ ...base, delivery: "sending" }} />,
  );
  assert.match(sending, /class="msg msg--own"/);
  assert.match(sending, /data-state="sending">Sending…</);
  assert.ok(!/ id="/.test(sending), "no anchor before it is stored");
  const failed = renderToString(
    <MessageItem
      message={{ ...base, delivery: "failed", error: "Too long" }}
      onRetry={() => {}}
      onDiscard={() => {}}
    />,
  );
  assert.match(failed, /Not sent: Too long/);
  assert.match(failed, />Retry</);
  assert.match(failed, />Discard</);
  const other = renderToString(<MessageItem message={{ ...base, seq: 8 }} />);
  assert.ok(!other.includes("data-state"));
});
