import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  classifyAnswer,
  createUndiciTransport,
  type DeliveryResult,
  type DingTalkMessage,
  Dispatcher,
  needsOperator,
  parsePins,
  type RobotAddress,
  type UndiciTransport,
} from '../../../nodes/core/dingtalk';
import { ManualClock } from '../../support/manual-clock';
import { selfSignedCertificate, unrelatedPin } from '../../support/tls';
import { fakeDingTalk } from './fake-transport';

const OTHER_PIN = unrelatedPin('another key');
const BACKUP_PIN = unrelatedPin('the backup key');

describe('dingtalk certificate pinning', () => {
  describe('pins as typed in the robot’s form', () => {
    it('is off when empty', () => {
      assert.deepEqual(parsePins('  \n '), { ok: true, pins: [] });
    });
    it('accepts sha256/ pins and bare base64, one per line or comma-separated, duplicates once', () => {
      assert.deepEqual(parsePins(`sha256/${OTHER_PIN}\n${BACKUP_PIN}, ${OTHER_PIN}`), {
        ok: true,
        pins: [OTHER_PIN, BACKUP_PIN],
      });
    });
    it('needs at least two different pins (a backup)', () => {
      const one = parsePins(`sha256/${OTHER_PIN}\n${OTHER_PIN}`);
      assert.equal(one.ok, false);
      assert.equal(!one.ok && one.problem.code, 'pins_too_few');
    });
    it('names the entry that is not a sha256 pin', () => {
      const bad = parsePins(`${OTHER_PIN}\nsha1/abc`);
      assert.equal(bad.ok, false);
      assert.equal(!bad.ok && bad.problem.code, 'pins_invalid');
      assert.match(!bad.ok ? String(bad.problem.detail) : '', /2/);
    });
  });

  describe('against a real TLS server with a self-signed certificate', () => {
    let cert: string;
    let certPin: string;
    let server: Server;
    let url: string;
    let requests = 0;
    let transport: UndiciTransport | undefined;

    before(async () => {
      const identity = selfSignedCertificate();
      cert = identity.cert;
      certPin = identity.pin;
      server = createServer({ key: identity.key, cert }, (req, res) => {
        requests++;
        req.resume();
        req.on('end', () => res.end('{"errcode":0,"errmsg":"ok"}'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/robot/send?access_token=t`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    beforeEach(() => {
      requests = 0;
    });
    afterEach(async () => {
      await transport?.close();
      transport = undefined;
    });

    const post = (t: UndiciTransport) => t({ url, body: '{"msgtype":"text"}', timeoutMs: 5_000 });

    it('sends when one of the pins matches the server’s key', async () => {
      transport = createUndiciTransport({ ca: cert, pins: [BACKUP_PIN, certPin] });
      const answer = await post(transport);
      assert.equal(answer.status, 200, JSON.stringify(answer));
      assert.equal(classifyAnswer(answer).outcome, 'ok');
      assert.equal(requests, 1);
    });

    it('refuses a server whose key matches no pin before sending anything, as a waiting failure', async () => {
      transport = createUndiciTransport({ ca: cert, pins: [OTHER_PIN, BACKUP_PIN] });
      const answer = await post(transport);
      assert.equal(answer.status, undefined);
      assert.equal(requests, 0, 'the alert never reached the server');
      const verdict = classifyAnswer(answer);
      assert.equal(verdict.outcome, 'retry');
      assert.equal(verdict.reason, 'pin_mismatch');
      assert.equal(needsOperator(verdict.reason), true);
      assert.match(verdict.text, /pin/);
      assert.ok(!JSON.stringify(answer).includes('access_token=t'), 'no token in the error');
    });

    it('still checks the certificate as usual: pins do not replace the trust check', async () => {
      transport = createUndiciTransport({ pins: [certPin, BACKUP_PIN] });
      const answer = await post(transport);
      assert.equal(requests, 0);
      assert.notEqual(classifyAnswer(answer).reason, 'ok');
      assert.notEqual(classifyAnswer(answer).reason, 'pin_mismatch');
    });
  });

  describe('in the robot’s dispatcher', () => {
    const address: RobotAddress = {
      endpoint: 'https://oapi.dingtalk.com/robot/send',
      accessToken: 'tok0123456789',
      host: 'oapi.dingtalk.com',
    };
    const text = (content: string): DingTalkMessage => ({ msgtype: 'text', text: { content } });

    it('keeps the alert waiting past the retries while the pins do not match, and sends it once they do', async () => {
      const clock = new ManualClock();
      let pinned = false;
      const { transport, seen } = fakeDingTalk(clock, () =>
        pinned
          ? { status: 200, body: '{"errcode":0,"errmsg":"ok"}' }
          : { error: { code: 'ERR_DINGTALK_PIN_MISMATCH', message: 'no pin matches' } },
      );
      const d = new Dispatcher({
        address,
        transport,
        clock,
        random: () => 0.5,
        retries: 2,
        retryBaseMs: 100,
        retryMaxMs: 1_000,
        slowRetryMs: [1_000],
      });
      const results: DeliveryResult[] = [];
      d.onResult((r) => results.push(r));
      await d.start();
      await d.submit({ message: text('stock low'), senderId: 'n1' });
      for (let i = 0; i < 10; i++) await clock.advance(1_000);
      assert.ok(seen.length > 3, `tried ${seen.length} times`);
      assert.deepEqual(results, [], 'not failed for good');
      assert.equal(d.status().lastProblem?.reason, 'pin_mismatch');
      assert.equal(d.senderCounts('n1').waiting, 1);
      pinned = true;
      await clock.advance(1_000);
      assert.equal((results as DeliveryResult[])[0]?.status, 'sent');
      await d.close();
    });
  });
});
