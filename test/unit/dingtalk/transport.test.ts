import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  classifyAnswer,
  createUndiciTransport,
  Dispatcher,
  parseRobotAddress,
  sendOnce,
  type UndiciTransport,
} from '../../../nodes/core/dingtalk';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('dingtalk undici transport (loopback)', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  let sockets = 0;
  let transport: UndiciTransport;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.on('connection', () => sockets++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    sockets = 0;
    transport = createUndiciTransport();
  });
  afterEach(async () => transport.close());

  const ok: Handler = (_req, _body, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"errcode":0,"errmsg":"ok"}');
  };

  it('POSTs JSON and reuses keep-alive connections', async () => {
    let seen: { method?: string; type?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = { method: req.method ?? '', type: req.headers['content-type'] ?? '', body };
      ok(req, body, res);
    };
    for (let i = 0; i < 10; i++) {
      const a = await transport({
        url: `${base}/robot/send?access_token=t`,
        body: '{"msgtype":"text"}',
        timeoutMs: 2000,
      });
      assert.equal(classifyAnswer(a).outcome, 'ok');
    }
    assert.deepEqual(seen, {
      method: 'POST',
      type: 'application/json; charset=utf-8',
      body: '{"msgtype":"text"}',
    });
    // undici may open a second socket while the first is being released; never one per request
    assert.ok(sockets <= 2, `${sockets} connections for 10 requests`);
  });

  it('reports a timeout as a retryable timeout', async () => {
    handler = () => undefined; // never answers
    const a = await transport({ url: `${base}/robot/send`, body: '{}', timeoutMs: 200 });
    assert.equal(a.error?.timeout, true);
    assert.equal(classifyAnswer(a).reason, 'timeout');
  });

  it('reports a refused connection as a network error, without the URL', async () => {
    const a = await transport({
      url: 'http://127.0.0.1:1/robot/send?access_token=SECRET_TOKEN',
      body: '{}',
      timeoutMs: 2000,
    });
    assert.equal(classifyAnswer(a).reason, 'network_error');
    assert.ok(!JSON.stringify(a).includes('SECRET_TOKEN'));
  });

  it('passes 5xx and non-JSON answers on to classification', async () => {
    handler = (_req, _body, res) => {
      res.statusCode = 502;
      res.end('<html>bad gateway</html>');
    };
    const a = await transport({ url: `${base}/robot/send`, body: '{}', timeoutMs: 2000 });
    assert.equal(a.status, 502);
    assert.equal(classifyAnswer(a).reason, 'server_error');
  });

  it('sendOnce classifies a test message in plain words', async () => {
    handler = (_req, _body, res) => res.end('{"errcode":310000,"errmsg":"sign not match"}');
    const parsed = parseRobotAddress(`${base}/robot/send?access_token=abcdef0123456789`, {
      allowOtherHost: true,
    });
    assert.ok(parsed.ok);
    const r = await sendOnce({
      address: parsed.address,
      secret: 'SECdeadbeef00112233',
      transport,
      message: { msgtype: 'text', text: { content: 'test' } },
    });
    assert.equal(r.text, 'signature mismatch: check the secret');
  });

  it('a real-clock dispatcher delivers through it', async () => {
    handler = ok;
    const parsed = parseRobotAddress(`${base}/robot/send?access_token=abcdef0123456789`, {
      allowOtherHost: true,
    });
    assert.ok(parsed.ok);
    const d = new Dispatcher({ address: parsed.address, transport, ratePerWindow: 1000 });
    const done = new Promise<string>((resolve) => d.onResult((r) => resolve(r.status)));
    await d.submit({ message: { msgtype: 'text', text: { content: 'hi' } } });
    assert.equal(await done, 'sent');
    await d.close();
  });
});
