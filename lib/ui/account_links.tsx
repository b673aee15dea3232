/**
 * The links to the account pages in a page's header: "Sign in" for anyone
 * whose name is not claimed (a guest, or nobody yet), "Your account" for
 * everyone (where a guest claims their name).
 *
 * @module
 */
import type { JSX } from "preact";
import type { User } from "../protocol/types.ts";

/** "Sign in" and "Your account". */
export function AccountLinks(props: { user: User | null }): JSX.Element {
  return (
    <nav class="account-links" aria-label="Account">
      {!props.user?.claimed && <a href="/signin">Sign in</a>}
      <a href="/account">Your account</a>
    </nav>
  );
}
