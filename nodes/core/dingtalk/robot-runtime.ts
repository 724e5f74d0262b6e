// One robot's delivery machinery while its dingtalk-robot node runs: the core Dispatcher (queue, limiter kept
// across redeploys, throttle probes, quick and slow retries, digests, bounded durable outbox, up to
// maxInFlight requests out at once) and its undici
// keep-alive transport with one connection per request in flight. Every dingtalk-send node using the robot
// submits here, so they share one rate limit; each attaches to receive the results of the alerts it
// submitted, including alerts recovered from the outbox after a restart, and the robot's status.

import { systemClock, type TimerHandle } from '../kernel/clock';
import type { RobotAddress } from './address';
import { Dispatcher } from './dispatcher';
import { DEFAULT_MAX_IN_FLIGHT, type DeliveryResult, type DispatcherStatus } from './dispatcher-contract';
import type { KeywordMode } from './keywords';
import { LocalOutbox } from './outbox';
import { FileRateState } from './rate-state';
import type { RuntimeSettings } from './robot-config';
import { createUndiciTransport, type Transport } from './transport';

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
  /**
   * The robot's rate state (recent sends, a throttle in force), named after its token so that it outlives
   * redeploys and belongs to the robot; without one it lives in memory.
   */
  rateStateFile: string | undefined;
  /** The digest heading for `count` alerts, in the runtime's language. */
  digestHeading: (count: number) => string;
  /** SPKI sha256 pins the DingTalk host's certificate chain must show (empty or absent: no pinning). */
  pins?: readonly string[];
  /** Replaces the undici transport (tests). */
  transport?: Transport;
  /** The shortest time between two status updates to the sender nodes (default STATUS_FORWARD_MS). */
  statusIntervalMs?: number;
}

type ResultListener = (result: DeliveryResult) => void;

/** Results for senders that have not attached (yet) are kept, up to this many, then the oldest dropped. */
const MAX_UNCLAIMED = 10_000;

/**
 * The robot's status reaches its sender nodes at most this often (the latest always lands). The dispatcher
 * reports a change on every accepted alert and every answer, and each sender node renders its status text
 * for each: in the loopback benchmark that rendering took more CPU than the dispatcher's own work. The nodes
 * show status at most every 500 ms anyway (StatusReporter), so nobody sees the difference.
 */
export const STATUS_FORWARD_MS = 200;

export class RobotRuntime {
  readonly dispatcher: Dispatcher;
  private readonly outbox: LocalOutbox;
  readonly address: RobotAddress;
  readonly keywords: readonly string[];
  readonly keywordMode: KeywordMode;
  private readonly transport: Transport & { close?: () => Promise<void> };
  private readonly senders = new Map<string, ResultListener>();
  private readonly unclaimed: DeliveryResult[] = [];
  private readonly statusListeners = new Set<(status: DispatcherStatus) => void>();
  private readonly statusIntervalMs: number;
  private statusTimer: TimerHandle | undefined;
  private lastStatusAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(options: RobotRuntimeOptions) {
    this.address = options.address;
    this.keywords = options.keywords;
    this.keywordMode = options.keywordMode;
    this.statusIntervalMs = options.statusIntervalMs ?? STATUS_FORWARD_MS;
    const maxInFlight = options.settings.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    // One keep-alive connection per request in flight, so that no request waits for a socket.
    this.transport =
      options.transport ?? createUndiciTransport({ connections: maxInFlight, pins: options.pins ?? [] });
    this.outbox = new LocalOutbox(options.outboxFile ? { file: options.outboxFile } : {});
    this.dispatcher = new Dispatcher({
      address: options.address,
      ...(options.secret ? { secret: options.secret } : {}),
      transport: this.transport,
      store: this.outbox,
      ...(options.rateStateFile ? { rateState: new FileRateState(options.rateStateFile) } : {}),
      ratePerWindow: options.ratePerWindow,
      // DingTalk's window as it is: the core limiter adds the margin for DingTalk counting on arrival.
      windowMs: options.settings.windowMs,
      maxInFlight,
      throttlePauseMs: options.settings.throttlePauseMs,
      timeoutMs: options.settings.timeoutMs,
      retries: options.settings.retries,
      retryBaseMs: options.settings.retryBaseMs,
      retryMaxMs: options.settings.retryMaxMs,
      slowRetryMs: options.settings.slowRetryMs,
      maxAgeMs: options.settings.maxAgeMs,
      maxOutboxAlerts: options.settings.outboxMaxAlerts,
      maxOutboxBytes: options.settings.outboxMaxBytes,
      keywords: options.keywords,
      digest: options.digest,
      digestHeading: options.digestHeading,
    });
    this.dispatcher.onResult((result) => this.route(result));
    this.dispatcher.onStatus(() => this.statusChanged());
  }

  /**
   * Opens the outbox and resumes what it owes; says how many damaged lines it skipped (to warn once). Rejects
   * when the outbox file cannot be read.
   */
  async start(): Promise<{ skippedLines: number }> {
    await this.dispatcher.start();
    return { skippedLines: this.outbox.skippedLines };
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
    if (this.statusTimer) systemClock.clearTimer(this.statusTimer);
    this.statusTimer = undefined;
    try {
      await this.dispatcher.close();
    } finally {
      await this.transport.close?.();
    }
  }

  /** Forwards a status change now, or once the interval since the last one is over (with the state then). */
  private statusChanged(): void {
    if (this.statusTimer || this.statusListeners.size === 0) return;
    const wait = this.lastStatusAt + this.statusIntervalMs - systemClock.now();
    if (wait <= 0) {
      this.forwardStatus();
      return;
    }
    this.statusTimer = systemClock.setTimer(() => {
      this.statusTimer = undefined;
      if (!this.closed) this.forwardStatus();
    }, wait);
  }

  private forwardStatus(): void {
    this.lastStatusAt = systemClock.now();
    const status = this.dispatcher.status();
    for (const listener of this.statusListeners) {
      try {
        listener(status);
      } catch {
        // a node's status display must not stop the others (this may run from a timer)
      }
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
