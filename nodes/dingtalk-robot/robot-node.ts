// The contract of a deployed dingtalk-robot config node as the others see it: dingtalk-send nodes submit to its
// runtime, and the "send test message" endpoint reads its settings.
import type { RobotCredentials, RobotRuntime } from '../core/dingtalk/index';
import type { Node } from '../shared/node-red';

/** A dingtalk-robot node as dingtalk-send nodes and the "send test message" endpoint find it. */
export interface RobotNode extends Node<RobotCredentials> {
  dingtalk?: RobotHandle;
}

/** What a running dingtalk-robot node hangs on itself for the others. */
export interface RobotHandle {
  /** Present when the robot is configured well enough to send. */
  runtime: RobotRuntime | undefined;
  /** Why it cannot send (a reason code and detail), when it cannot. */
  problem: { code: string; detail?: string } | undefined;
  keywordsText: string;
  /** The pins as typed in the form (the test button checks unsaved ones against them). */
  pinsText: string;
}
