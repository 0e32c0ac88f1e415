// Loopback ports for the small servers tests start: bound to 127.0.0.1 only, and closed without
// waiting for idle keep-alive connections (so one file's servers never hold up the next).
import { createServer, type AddressInfo, type Server } from 'node:net';

/** Listens on 127.0.0.1 (port 0: any free one); answers the port, or rejects if it is taken. */
export function listenOnLoopback(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes a server, dropping its open connections first when it is an HTTP(S) server. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port that was free a moment ago, for what must know its port before it listens (an issuer, a FHIR base). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenOnLoopback(probe);
  await closeServer(probe);
  return port;
}
