/**
 * A passkey button: registers a passkey for the signed-in user (claiming a
 * guest's name) or signs in with one, then goes to `next`. Both ceremonies
 * are two posts around the browser's prompt (`docs/accounts.md`); the
 * session arrives as the `HttpOnly` cookie, so this code never sees a token.
 * Without JavaScript the button stays disabled and says why.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from "@simplewebauthn/browser";

/** Props of {@linkcode PasskeyButton}. */
export interface PasskeyButtonProps {
  /** `register`: add a passkey to the current user; `sign-in`: use one. */
  mode: "register" | "sign-in";
  /** The button's text. */
  label: string;
  /** Where to go when done: a path on this site. */
  next: string;
}

type State = "static" | "ready" | "unsupported" | "busy";

/** Posts `body` as JSON; the parsed answer, or throws with the server's message. */
async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = await res.json().catch(() => null);
  if (!res.ok) {
    throw new Error(
      reply?.error?.message ?? `The server answered ${res.status}`,
    );
  }
  return reply;
}

/** What to tell the person when a ceremony failed. */
function problem(err: unknown): string {
  if (err instanceof WebAuthnError) {
    if (err.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
      return "This device already holds a passkey for your account.";
    }
    if (err.name === "NotAllowedError" || err.name === "AbortError") {
      return "No passkey was used: the prompt was closed or timed out.";
    }
  }
  return err instanceof Error ? err.message : String(err);
}

/** The button, its state and any error. */
export default function PasskeyButton(
  props: PasskeyButtonProps,
): JSX.Element {
  // "static" until hydrated: the server's markup is what a page without
  // JavaScript keeps.
  const [state, setState] = useState<State>("static");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setState(browserSupportsWebAuthn() ? "ready" : "unsupported");
  }, []);

  const run = async () => {
    setState("busy");
    setError(null);
    try {
      if (props.mode === "register") {
        const optionsJSON = await post<PublicKeyCredentialCreationOptionsJSON>(
          "/api/account/passkeys/options",
          {},
        );
        await post(
          "/api/account/passkeys",
          await startRegistration({ optionsJSON }),
        );
      } else {
        const optionsJSON = await post<PublicKeyCredentialRequestOptionsJSON>(
          "/api/login/passkey/options",
          {},
        );
        await post(
          "/api/login/passkey",
          await startAuthentication({ optionsJSON }),
        );
      }
      location.assign(props.next);
    } catch (err) {
      setError(problem(err));
      setState("ready");
    }
  };

  return (
    <div class="passkey">
      <button
        type="button"
        class="button-quiet"
        disabled={state !== "ready"}
        onClick={run}
      >
        {state === "busy" ? "Waiting for your passkey…" : props.label}
      </button>
      {state === "static" && (
        <span class="hint">
          Passkeys need JavaScript.
        </span>
      )}
      {state === "unsupported" && (
        <span class="hint">This browser cannot use passkeys.</span>
      )}
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}
