/**
 * The port through which flows see an oidc-provider interaction (implemented by
 * src/oidc/interaction-bridge.ts): plain data and the ways to finish it.
 */
export interface InteractionHandle {
  uid: string;
  prompt: string;
  client: { id: string; name: string; firstParty: boolean };
  /** Scopes asked for in the authorization request. */
  scopes: string[];
  /** Scopes and claims a consent must still grant. */
  missing: { scopes: string[]; claims: string[] };
  /** The relying party's hint of who is signing in (`login_hint`): pre-fills the username. */
  loginHint: string | undefined;
  /** Set when someone is already signed in (consent prompts). */
  accountId: string | undefined;
  /** Signs the account in; `loginTs` (seconds, the provider's clock) becomes the session's login time. */
  completeLogin(accountId: string, amr: string[], loginTs: number): Promise<string>;
  completeConsent(): Promise<string>;
  /** SMART launch: the patient (record link) chosen for this authorization; the token then names its record as `patient`. */
  completePatient(launchRecordLinkId: string): Promise<string>;
  abort(description: string): Promise<string>;
}
