import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { readBody } from '../../../nodes/core/webhook/body-reader';

/** A request body as a stream with headers, as Node's HTTP server hands it over. */
function request(headers: Record<string, string> = {}): IncomingMessage & PassThrough {
  return Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough;
}

describe('body reader', () => {
  it('returns the whole body', async () => {
    const req = request();
    const read = readBody(req, 100, 1000);
    req.write('{"a":');
    req.end('1}');
    assert.deepEqual(await read, { ok: true, body: Buffer.from('{"a":1}') });
  });

  it('refuses a declared length over the cap before reading, and an undeclared one while reading', async () => {
    assert.equal((await readBody(request({ 'content-length': '101' }), 100, 1000)).ok, false);
    const req = request();
    const read = readBody(req, 100, 1000);
    req.write(Buffer.alloc(60));
    req.write(Buffer.alloc(60));
    const result = await read;
    assert.equal(result.ok === false && result.status, 413);
  });

  it('gives up on a body that does not finish in time, whatever else is being read', async () => {
    const slow = request();
    const prompt = request();
    const started = Date.now();
    const slowRead = readBody(slow, 100, 150);
    const promptRead = readBody(prompt, 100, 60_000);
    slow.write('{"trickle');
    prompt.end('{}');
    assert.equal((await promptRead).ok, true);
    const result = await slowRead;
    const waited = Date.now() - started;
    assert.equal(result.ok === false && result.status, 408);
    assert.ok(waited >= 150 && waited < 1000, `timed out after ${waited} ms`);
  });
});
