// dingtalk-robot: one DingTalk custom robot (config node). Holds the webhook URL or access token and the SEC…
// secret as credentials (or `${ENV_VAR}` references), the keywords and the rate, and owns the robot's
// dispatcher so every dingtalk-send node using the robot shares one queue, one limiter and one outbox.
// Also serves the editor's "send test message" button.

import { join } from 'node:path';
import {
  type DingtalkSettings,
  parseRobotConfig,
  type RobotDef,
  RobotRuntime,
  rateStateFileName,
  runtimeSettings,
} from '../core/dingtalk/index';
import { lifecycle } from '../shared/lifecycle';
import type { NodeAPI, NodeDef } from '../shared/node-red';
import { resolveCredential } from '../shared/secrets';
import { stateFile } from '../shared/state-files';
import type { RobotNode } from './robot-node';
import { testMessageHandler } from './test-message';

/**
 * A robot's rate state lives under the user dir by a digest of its access token, not by node id: DingTalk
 * counts and throttles the robot, whichever config node (or deploy of it) sends.
 */
function rateStateFile(RED: NodeAPI, accessToken: string): string | undefined {
  const userDir = RED.settings.userDir;
  if (typeof userDir !== 'string' || userDir === '') return undefined;
  return join(userDir, 'node-red-pos-dingtalk', 'dingtalk-robots', rateStateFileName(accessToken));
}

export = function register(RED: NodeAPI) {
  function DingtalkRobotNode(this: RobotNode, def: RobotDef & NodeDef) {
    RED.nodes.createNode(this, def);
    const settings = runtimeSettings(RED.settings as DingtalkSettings);
    const config = parseRobotConfig(
      def,
      {
        webhook: resolveCredential(RED, this, this.credentials.webhook),
        secret: resolveCredential(RED, this, this.credentials.secret),
      },
      settings,
    );
    let runtime: RobotRuntime | undefined;
    if (config.address && !config.problem) {
      runtime = new RobotRuntime({
        address: config.address,
        secret: config.secret,
        keywords: config.keywords,
        keywordMode: config.keywordMode,
        pins: config.pins,
        ratePerWindow: config.ratePerWindow,
        digest: config.digest,
        settings,
        outboxFile: stateFile(RED, this, 'outbox.jsonl'),
        rateStateFile: rateStateFile(RED, config.address.accessToken),
        digestHeading: (count) => RED._('dingtalk-robot.digest.heading', { count }),
      });
      runtime.start().then(
        ({ skippedLines }) => {
          if (skippedLines > 0)
            this.warn(RED._('dingtalk-robot.errors.outbox-bad-lines', { count: skippedLines }));
        },
        (err: unknown) => {
          this.error(
            RED._('dingtalk-robot.errors.outbox', {
              detail: err instanceof Error ? err.message : String(err),
            }),
          );
        },
      );
    } else if (config.problem) {
      // Config nodes have no status: each dingtalk-send node using this robot shows the problem instead.
      this.warn(RED._(`dingtalk-robot.reason.${config.problem.code}`));
    }
    this.dingtalk = {
      runtime,
      problem: config.problem
        ? { code: config.problem.code, ...(config.problem.detail ? { detail: config.problem.detail } : {}) }
        : undefined,
      keywordsText: def.keywords ?? '',
      pinsText: def.pins ?? '',
    };

    lifecycle(RED, this).onClose(
      () => {
        this.dingtalk = undefined;
      },
      () => runtime?.close(),
    );
  }

  RED.nodes.registerType('dingtalk-robot', DingtalkRobotNode, {
    credentials: { webhook: { type: 'password' }, secret: { type: 'password' } },
  });
  RED.httpAdmin.post(
    '/dingtalk-robot/test',
    RED.auth.needsPermission('dingtalk-robot.write'),
    testMessageHandler(RED),
  );
};
