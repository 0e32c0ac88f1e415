import { errorCatalogue, type ErrorCode } from './catalogue.ts';

export interface AppErrorOptions {
  /** Details safe to show a client, e.g. which fields failed and why. */
  data?: Record<string, unknown>;
  /** Overrides the catalogue message (for logs and CLI output); clients still get the catalogue text. */
  message?: string;
  cause?: unknown;
}

/** The one error type our own code throws: a stable dotted code whose status and text come from the catalogue. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: Record<string, unknown> | undefined;
  /** 4xx errors are the client's to see; 5xx details stay in the logs. */
  readonly expose: boolean;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const entry = errorCatalogue[code];
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.data = options.data;
    this.expose = entry.status < 500;
  }

  /** What a client receives: the catalogue message, never internal text. */
  toJSON(): { error: { code: ErrorCode; message: string; data?: Record<string, unknown> } } {
    const { message } = errorCatalogue[this.code];
    return { error: { code: this.code, message, ...(this.expose && this.data ? { data: this.data } : {}) } };
  }
}

export function assertThat(condition: unknown, code: ErrorCode, options?: AppErrorOptions): asserts condition {
  if (!condition) throw new AppError(code, options);
}
