// The one test clock: our code's clock, injected (oidc-provider keeps the real one). Only moves forward.
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export class Clock {
  at = Date.now();
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
  /** Moves to `ms` after the start of the next UTC day, so fixed daily windows are not crossed mid-test. */
  startOfNextDayPlus(ms: number): void {
    this.at = Math.floor(this.at / DAY) * DAY + DAY + ms;
  }
}
