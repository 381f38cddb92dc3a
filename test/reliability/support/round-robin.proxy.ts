import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Capture } from './capture';

/**
 * A loopback load balancer in front of the app instances: each request goes to the next instance
 * in turn, bytes untouched (the webhook signature covers the raw body). It is the FakeStripe's one
 * webhook endpoint, as a real deployment's load balancer would be.
 */
export class RoundRobinProxy {
  /** Answers per instance index and status, e.g. forwarded[0][200]. */
  readonly statuses: Record<number, number>[];
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private server?: Server;
  url = '';

  constructor(private readonly targets: string[], private readonly capture: Capture) {
    this.statuses = targets.map(() => ({}));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const index = this.next++ % this.targets.length;
    const target = new URL(req.url ?? '/', this.targets[index]);
    const upstream = request(target, { method: req.method, headers: req.headers, agent: this.agent }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const status = answer.statusCode ?? 502;
        this.statuses[index][status] = (this.statuses[index][status] ?? 0) + 1;
        const body = Buffer.concat(chunks);
        this.capture.response(`proxy ${req.method} ${req.url}`, body.toString('utf8'));
        res.writeHead(status, answer.headers);
        res.end(body);
      });
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
