// The API token a request acts through, for the audit entries its services write: set once where
// the token is checked (defineRoute) and read by recordAudit, so that no service has to pass it on.
import { AsyncLocalStorage } from "node:async_hooks";

export interface ActingApiToken {
  id: string;
  /** Its name and the secret's first characters: "nightly pipeline (arb_1a2b3c4d…)". */
  label: string;
}

const actingToken = new AsyncLocalStorage<ActingApiToken>();

export function actWithApiToken<T>(token: ActingApiToken, run: () => T): T {
  return actingToken.run(token, run);
}

export function currentApiToken(): ActingApiToken | undefined {
  return actingToken.getStore();
}
