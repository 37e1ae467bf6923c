import { Agent, request } from 'node:http';

/** Keep-alive connections, one per concurrent sender, as a busy legacy sender would hold them. */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/** POSTs `body` and resolves with the status once the whole answer has been read (the sender's "ack"). */
export function httpPost(url: string, headers: Record<string, string>, body: Buffer, agent: Agent, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent, timeout: timeoutMs }, (res) => {
      res.on('data', () => undefined);
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}
