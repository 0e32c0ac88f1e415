import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON lines on stderr; secrets are never passed to it, and these paths are redacted anyway. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      redact: ['password', '*.password', 'pin', '*.pin', 'code', '*.code', 'req.headers.cookie', 'req.headers.authorization'],
    },
    destination,
  );
}
