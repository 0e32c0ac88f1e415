// A minimal keep-alive HTTP/1.1 client on node:http (no dependencies), one agent per scenario.
import http from 'node:http';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** A client for one origin keeping at most `maxSockets` connections alive. */
export function createHttpClient(origin: string, maxSockets: number): HttpClient {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    request(req) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const headers: Record<string, string | number> = { ...req.headers };
        if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
        const outgoing = http.request(
          { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
            );
          },
        );
        outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error(`no response within ${REQUEST_TIMEOUT_MS} ms`)));
        outgoing.on('error', reject);
        outgoing.end(req.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** `Authorization: Basic …` for client_secret_basic (RFC 6749 §2.3.1: form-encode, then base64). */
export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
