/** The SMS port: adapters/twilio-sms-sender.ts (Twilio's API) and adapters/null-sms-sender.ts implement it. */
export interface SmsSender {
  /** Resolves when the provider accepted the message; rejects with SmsError otherwise. */
  send(to: string, body: string): Promise<void>;
}

/** A failed send. `retryable`: the provider or network failed, trying again later may work. */
export class SmsError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'SmsError';
    this.retryable = options.retryable;
  }
}
