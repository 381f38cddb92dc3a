import { Agent, request } from 'node:http';
import { Capture } from './capture';

/** One HTTP answer: status, raw text and parsed JSON (null when not JSON). */
export interface HttpAnswer {
  status: number;
  text: string;
  json: any;
  ms: number;
}

/** A keep-alive HTTP client that records every answer body for the R13 scan. */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });

  constructor(private readonly capture: Capture) {}

  /** Requests resent once because a kept-alive socket was closed by the server as we reused it. */
  resets = 0;

  async send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpAnswer> {
    const started = Date.now();
    let answer: { status: number; text: string };
    try {
      answer = await this.once(url, options);
    } catch (error) {
      // The keep-alive race (the server times out an idle socket as the client reuses it) is the
      // transport's, not the app's: resend once, as an HTTP client library would.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
      this.resets++;
      answer = await this.once(url, options);
    }
    const { status, text } = answer;
    this.capture.response(`${options.method ?? 'GET'} ${new URL(url).pathname}`, text);
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status, text, json, ms: Date.now() - started };
  }

  private once(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; text: string }> {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options.headers };
      if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
      const req = request(url, { method: options.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** A JSON request; `body` is serialised unless it is already a string. */
  json(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return this.send(url, { method, headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, body: payload });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `tasks` with at most `limit` in flight; results keep the tasks' order. */
export async function pool<T>(limit: number, count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
