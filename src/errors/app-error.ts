import { english, type Translate } from '../text/index.ts';
import { errorCatalogue, type ErrorCode } from './catalogue.ts';

export interface AppErrorOptions {
  /** Details safe to show a client, e.g. which fields failed and why. */
  data?: Record<string, unknown>;
  /** Overrides the catalogue message (for logs and CLI output); clients still get the catalogue text. */
  message?: string;
  cause?: unknown;
}

/** What a client receives for an error of ours. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; data?: Record<string, unknown> };
}

/** The one error type our own code throws: a stable dotted code whose status comes from the catalogue and text from src/text. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: Record<string, unknown> | undefined;
  /** 4xx errors are the client's to see; 5xx details stay in the logs. */
  readonly expose: boolean;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const { status } = errorCatalogue[code];
    super(options.message ?? english(`error.${code}`), { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.data = options.data;
    this.expose = status < 500;
  }

  /** The sentence a person reads, in the given language: the catalogue's, never internal text. */
  text(t: Translate = english): string {
    return t(`error.${this.code}`);
  }

  /** What a client receives: the catalogue message, never internal text. */
  toJSON(t: Translate = english): ErrorBody {
    return { error: { code: this.code, message: this.text(t), ...(this.expose && this.data ? { data: this.data } : {}) } };
  }
}

export function assertThat(condition: unknown, code: ErrorCode, options?: AppErrorOptions): asserts condition {
  if (!condition) throw new AppError(code, options);
}
