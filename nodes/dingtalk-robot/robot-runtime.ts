// One robot's delivery machinery while its dingtalk-robot node runs: the core Dispatcher (queue, limiter,
// throttle pause, retries, digests, durable outbox) and its undici keep-alive transport. Every dingtalk-send
// node using the robot submits here, so they share one rate limit; each attaches to receive the results of
// the alerts it submitted, including alerts recovered from the outbox after a restart.

import type { KeywordMode } from '../core/dingtalk/index';
import {
  createUndiciTransport,
  type DeliveryResult,
  Dispatcher,
  type DispatcherStatus,
  LocalOutbox,
  type RobotAddress,
  type Transport,
} from '../core/dingtalk/index';
import { limiterWindowMs, type RuntimeSettings } from './robot-config';

export interface RobotRuntimeOptions {
  address: RobotAddress;
  secret: string | undefined;
  keywords: readonly string[];
  keywordMode: KeywordMode;
  ratePerWindow: number;
  digest: boolean;
  settings: RuntimeSettings;
  /** The outbox journal; without one the outbox lives in memory (lost on restart). */
  outboxFile: string | undefined;
  /** The digest heading for `count` alerts, in the runtime's language. */
  digestHeading: (count: number) => string;
  /** Replaces the undici transport (tests). */
  transport?: Transport;
}

type ResultListener = (result: DeliveryResult) => void;

/** Results for senders that have not attached (yet) are kept, up to this many, then the oldest dropped. */
const MAX_UNCLAIMED = 10_000;

export class RobotRuntime {
  readonly dispatcher: Dispatcher;
  readonly address: RobotAddress;
  readonly keywords: readonly string[];
  readonly keywordMode: KeywordMode;
  private readonly transport: Transport & { close?: () => Promise<void> };
  private readonly senders = new Map<string, ResultListener>();
  private readonly unclaimed: DeliveryResult[] = [];
  private readonly statusListeners = new Set<(status: DispatcherStatus) => void>();
  private closed = false;

  constructor(options: RobotRuntimeOptions) {
    this.address = options.address;
    this.keywords = options.keywords;
    this.keywordMode = options.keywordMode;
    this.transport = options.transport ?? createUndiciTransport();
    this.dispatcher = new Dispatcher({
      address: options.address,
      ...(options.secret ? { secret: options.secret } : {}),
      transport: this.transport,
      store: new LocalOutbox(options.outboxFile ? { file: options.outboxFile } : {}),
      ratePerWindow: options.ratePerWindow,
      windowMs: limiterWindowMs(options.settings.windowMs),
      throttlePauseMs: options.settings.throttlePauseMs,
      timeoutMs: options.settings.timeoutMs,
      retries: options.settings.retries,
      retryBaseMs: options.settings.retryBaseMs,
      retryMaxMs: options.settings.retryMaxMs,
      keywords: options.keywords,
      digest: options.digest,
      digestHeading: options.digestHeading,
    });
    this.dispatcher.onResult((result) => this.route(result));
    this.dispatcher.onStatus((status) => {
      for (const listener of this.statusListeners) listener(status);
    });
  }

  /** Opens the outbox and resumes what it owes. Rejects when the outbox file cannot be read. */
  start(): Promise<void> {
    return this.dispatcher.start();
  }

  /**
   * Receives the results of the alerts `senderId` submitted (also those recovered after a restart, which
   * may already be waiting). Returns the detach function.
   */
  attach(
    senderId: string,
    onResult: ResultListener,
    onStatus: (status: DispatcherStatus) => void,
  ): () => void {
    this.senders.set(senderId, onResult);
    this.statusListeners.add(onStatus);
    const mine = this.unclaimed.filter((result) => result.senderId === senderId);
    if (mine.length > 0) {
      const rest = this.unclaimed.filter((result) => result.senderId !== senderId);
      this.unclaimed.splice(0, this.unclaimed.length, ...rest);
      for (const result of mine) onResult(result);
    }
    return () => {
      if (this.senders.get(senderId) === onResult) this.senders.delete(senderId);
      this.statusListeners.delete(onStatus);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.dispatcher.close();
    } finally {
      await this.transport.close?.();
    }
  }

  private route(result: DeliveryResult): void {
    const listener = result.senderId === undefined ? undefined : this.senders.get(result.senderId);
    if (listener) {
      listener(result);
      return;
    }
    this.unclaimed.push(result);
    if (this.unclaimed.length > MAX_UNCLAIMED) this.unclaimed.shift();
  }
}
