/**
 * The browser's hints about the network, wired to the link: `online` and a
 * tab that regains focus or becomes visible are a reason to try now (or to
 * check that an open socket still answers), `offline` means an open socket
 * is dead even before it notices. Kept apart from the link so the link
 * never touches the DOM.
 *
 * @module
 */

/** What the browser's events drive. */
export interface BrowserHints {
  /** Network back, tab focused or shown. */
  wake(): void;
  /** The browser says there is no network. */
  wentOffline(): void;
}

/** The part of `window` (and `document`) used. */
export interface BrowserTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Listens to `online`, `offline` and `focus` on `win`, and to
 * `visibilitychange` on `doc` (when the page becomes visible). Returns the
 * function that stops listening.
 */
export function watchBrowser(
  hints: BrowserHints,
  win: BrowserTarget,
  doc?: BrowserTarget & { visibilityState?: string },
): () => void {
  const wake = () => hints.wake();
  const offline = () => hints.wentOffline();
  const visible = () => {
    if (doc?.visibilityState !== "hidden") hints.wake();
  };
  win.addEventListener("online", wake);
  win.addEventListener("focus", wake);
  win.addEventListener("offline", offline);
  doc?.addEventListener("visibilitychange", visible);
  return () => {
    win.removeEventListener("online", wake);
    win.removeEventListener("focus", wake);
    win.removeEventListener("offline", offline);
    doc?.removeEventListener("visibilitychange", visible);
  };
}
