/**
 * The addresses this service sends people to from outside a page: links in emails and texts, and
 * where a browser on a sign-in goes. By default they are this server's own pages; a host that
 * renders its own UI (the library's headless mode) points them at its routes.
 */
export interface Links {
  /** A registration link (emailed, or handed over by the practice); its token goes to `POST /api/flows/registration`. */
  registration(token: string): string;
  /** A password-reset link (emailed); its token goes to `POST /api/flows/recovery/link`. */
  recovery(token: string): string;
  /** The link that confirms a changed email address (emailed from the account centre). */
  accountEmail(token: string): string;
}
