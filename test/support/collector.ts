// A loopback HTTP server that records the JSON bodies posted to it: where end-to-end flows send what their
// nodes emitted (through core `http request` nodes), so tests observe output as a user's system would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Collector {
  url: string;
  received: Record<string, unknown>[];
  /** Resolves when at least `count` bodies have arrived. */
  waitFor(count: number): Promise<Record<string, unknown>[]>;
  /** Resolves when `done` holds, checked now and on every arrival. */
  waitUntil(done: (received: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const received: Record<string, unknown>[] = [];
  type Waiter = {
    done: (received: Record<string, unknown>[]) => boolean;
    resolve: (bodies: typeof received) => void;
  };
  const waiters: Waiter[] = [];
  const waitUntil = (done: Waiter['done']) =>
    done(received)
      ? Promise.resolve(received)
      : new Promise<typeof received>((resolve) => waiters.push({ done, resolve }));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.end('ok');
      for (const waiter of [...waiters]) {
        if (waiter.done(received)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    waitFor: (count) => waitUntil((bodies) => bodies.length >= count),
    waitUntil,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Flow nodes that post every message they receive to the collector as {topic, payload, ...extra}. */
export function collectorNodes(id: string, z: string, collectorUrl: string, fields = ['topic', 'payload']) {
  return [
    {
      id,
      type: 'function',
      z,
      name: 'to collector',
      func: `msg.payload = { ${fields.map((f) => `${JSON.stringify(f)}: msg[${JSON.stringify(f)}]`).join(', ')} }; return msg;`,
      outputs: 1,
      wires: [[`${id}-post`]],
    },
    {
      id: `${id}-post`,
      type: 'http request',
      z,
      method: 'POST',
      ret: 'txt',
      url: collectorUrl,
      paytoqs: 'ignore',
      wires: [[]],
    },
  ];
}

/** A flow of one pos-in at /pos/events (generic signature) whose events go to the collector. */
export function posInToCollector(collectorUrl: string, secret: string, fields = ['topic', 'payload']) {
  return [
    { id: 'tab', type: 'tab', label: 'POS' },
    {
      id: 'in',
      type: 'pos-in',
      z: 'tab',
      name: 'till',
      path: '/pos/events',
      scheme: 'generic',
      windowMinutes: 5,
      dedupeHours: 72,
      maxBodyKb: 64,
      credentials: { secret },
      wires: [['out']],
    },
    ...collectorNodes('out', 'tab', collectorUrl, fields),
  ];
}
