import * as http from 'node:http';
import * as https from 'node:https';

/**
 * POSTs one delivery on its own connection (`Connection: close`, no shared agent). A kept-alive
 * socket from the fake would outlive the app's shutdown: Fastify closes only the sockets idle when
 * `close()` starts, and one mid-delivery then idles for its 72 s keep-alive, holding `app.close()`.
 */
export function postDelivery(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      { method: 'POST', agent: false, timeout: timeoutMs, headers: { ...headers, connection: 'close', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('delivery timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
