// The load generator's HTTP client: node:http with a keep-alive agent, so that the figures measure the
// system rather than per-request connection set-up or fetch's (undici's) CPU in this same process.
import http from 'node:http';

/**
 * @param {string} baseUrl
 * @param {number} maxSockets sockets kept open (and reused) towards the service
 */
export function httpClient(baseUrl, maxSockets = Infinity) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 1024) });
  const { hostname, port } = new URL(baseUrl);
  /**
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string>} headers
   * @param {string} [body]
   * @returns {Promise<{ status: number, body: any }>}
   */
  const request = (method, path, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { agent, hostname, port, method, path, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (an error page): the caller reports the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  return { request, close: () => agent.destroy() };
}
