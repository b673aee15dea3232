import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { MessageText } from "./message_text.tsx";
import { MessageItem } from "./message_item.tsx";

Deno.test("MessageText escapes markup exactly once and links only http(s) URLs", () => {
  const html = renderToString(
    <p>
      <MessageText
        text={`<script>alert("x")</script> & <b>bold</b> https://a.example/?q=1&r=2 javascript:alert(1)`}
      />
    </p>,
  );
  assert.equal(
    html,
    "<p>&lt;script>alert(&quot;x&quot;)&lt;/script> &amp; &lt;b>bold&lt;/b> " +
      '<a  href="https://a.example/?q=1&amp;r=2" target="_blank" rel="noopener noreferrer nofollow ugc">https://a.example/?q=1&amp;r=2</a>' +
      " javascript:alert(1)</p>",
  );
});

Deno.test("MessageItem shows author, time and the delivery state of own messages", () => {
  const base = {
    id: "m1",
    user: { id: "u", name: "<alice>" },
    text: "hi",
    ts: Date.UTC(2026, 0, 1),
  };
  const now = base.ts + 5 * 60_000;
  const stored = renderToString(
    <MessageItem message={{ ...base, seq: 7, delivery: "stored" }} now={now} />,
  );
  assert.match(stored, /id="m-7"/);
  assert.match(stored, /&lt;alice>/);
  assert.match(stored, /5 min ago/);
  assert.match(stored, /data-state="stored"[^>]*>✓ #7</);
  const failed = renderToString(
    <MessageItem
      message={{ ...base, delivery: "failed", error: "Too long" }}
      now={now}
      onRetry={() => {}}
    />,
  );
  assert.match(failed, /Not sent: Too long/);
  assert.match(failed, />Retry</);
  const other = renderToString(
    <MessageItem message={{ ...base, seq: 8 }} now={now} />,
  );
  assert.ok(!other.includes("data-state"));
});
