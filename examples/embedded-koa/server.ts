// Runs the example host: PORT (default 4000), MONGODB_URI (the patient-idp database), COOKIE_KEYS,
// TOKEN_SECRET and HOST_COOKIE_KEY as patient-idp's README describes; NODE_ENV as for the server.
import { createServer } from 'node:http';
import { createHost } from './host.ts';

const port = Number(process.env.PORT ?? 4000);
const origin = process.env.ORIGIN ?? `http://127.0.0.1:${port}`;
const host = await createHost({
  origin,
  settings: {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    COOKIE_KEYS: process.env.COOKIE_KEYS,
    TOKEN_SECRET: process.env.TOKEN_SECRET,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  database: { uri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/example-health' },
  hostKey: process.env.HOST_COOKIE_KEY ?? 'example-host-cookie-key-change-me-0123456789',
});
const server = createServer(host.app.callback()).listen(port, '127.0.0.1', () => {
  // A machine-readable line: the tests wait for it.
  console.log(JSON.stringify({ listening: origin }));
});
const stop = () => server.close(() => void host.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
