import { pino } from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

const REDACT = ['password', '*.password', 'pin', '*.pin', 'code', '*.code', 'req.headers.cookie', 'req.headers.authorization'];

/**
 * Structured JSON lines on stderr; secrets are never passed to it, and these paths are redacted
 * anyway. `pretty`: readable colored lines instead (pino's own pretty printer), for a person
 * watching a development server in a terminal; log collectors always get JSON.
 */
export function createLogger(level: string, options: { destination?: pino.DestinationStream; pretty?: boolean } = {}): Logger {
  const destination = options.pretty
    ? pretty({
        destination: options.destination ?? 2,
        colorize: !options.destination,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
      })
    : (options.destination ?? pino.destination(2));
  return pino({ level, redact: REDACT }, destination);
}
