/**
 * The authentication context classes a relying party may ask for (`acr_values`, published in
 * discovery) and an ID token names (`acr`): a password alone, or a password and a second factor
 * (or a passkey, which is both).
 */
export const ACR = {
  password: 'urn:patient-idp:acr:password',
  multiFactor: 'urn:patient-idp:acr:mfa',
} as const;

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
  /** The languages the relying party asked the pages to be in (`ui_locales`, best first). */
  uiLocales: string | undefined;
  /** Set when someone is already signed in (consent prompts). */
  accountId: string | undefined;
  /** A SMART launch (`launch/patient`): the record link picked for it so far, if any. */
  launchRecordLinkId: string | undefined;
  /** The client requires two-step verification (`require_mfa`), or the request asks for it (`acr_values`, an essential `acr`). */
  requiresMultiFactor: boolean;
  /**
   * Signs the account in; `loginTs` (seconds, the provider's clock) becomes the session's login
   * time; `amr` (RFC 8176) and `acr` say how (they reach the ID token).
   */
  completeLogin(accountId: string, amr: string[], loginTs: number, acr: string): Promise<string>;
  completeConsent(): Promise<string>;
  /** SMART launch: the patient (record link) chosen for this authorization; the token then names its record as `patient`. */
  completePatient(launchRecordLinkId: string): Promise<string>;
  abort(description: string): Promise<string>;
}
