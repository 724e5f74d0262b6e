// One Redis connection per Node-RED process and setting, shared by every node of the package that uses it, and
// closed when the last of them lets go. Commands never queue while Redis is away: they fail at once, so that
// pos-in can answer 503 (the POS retries) and dingtalk-send can keep alerts in its local outbox meanwhile.
import { createHash } from 'node:crypto';
import { createClient } from '@redis/client';
import type { RedisSettings } from './config';

export type RedisState = { up: true } | { up: false; reason: string };

/** A command failed because Redis is unreachable or refused it; the reason is safe to show (no password). */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`Redis is unavailable: ${reason}`);
    this.name = 'RedisUnavailableError';
  }
}

/** A Lua script run by its digest (EVALSHA), loaded on first use and again after a Redis restart. */
export class LuaScript {
  readonly sha1: string;
  constructor(readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }
}

type Client = ReturnType<typeof createClient>;

/** How long one command may take before it counts as failed (the claim is then withdrawn as lost). */
const COMMAND_TIMEOUT_MS = 5_000;

/** Waits between reconnection attempts: quick at first, then every 5 s. */
const reconnectDelay = (retries: number) => Math.min(100 * 2 ** retries, 5_000);

export class RedisConnection {
  private readonly client: Client;
  private current: RedisState = { up: false, reason: 'connecting' };
  private readonly listeners = new Set<(state: RedisState) => void>();
  private closed = false;
  /** Settles with the first connection attempt: commands wait for it rather than fail while a node starts. */
  private readonly firstAttempt: Promise<void>;
  private endFirstAttempt: () => void = () => undefined;

  constructor(readonly settings: RedisSettings) {
    this.firstAttempt = new Promise<void>((resolve) => {
      this.endFirstAttempt = resolve;
    });
    const tls = settings.tls ? { tls: true as const, ...settings.tls } : {};
    this.client = createClient({
      url: settings.url,
      disableOfflineQueue: true,
      // a half-open connection (a firewall dropping packets, a paused Redis) must not hold a POS request forever
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: { connectTimeout: 5_000, reconnectStrategy: reconnectDelay, ...tls },
    });
    this.client.on('ready', () => {
      if (this.closed)
        this.client.destroy(); // closed while the first handshake was under way
      else this.set({ up: true });
    });
    // without a listener an 'error' event would end the process; each one is a reason to show
    this.client.on('error', (err: unknown) => this.set({ up: false, reason: reasonOf(err, settings) }));
    this.client.on('end', () => this.set({ up: false, reason: 'closed' }));
    this.client.connect().catch((err: unknown) => this.set({ up: false, reason: reasonOf(err, settings) }));
  }

  get state(): RedisState {
    return this.current;
  }

  /** Called with every change of state, and at once with the current one; returns the unsubscribe function. */
  watch(listener: (state: RedisState) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** Runs a script; rejects with RedisUnavailableError when Redis is away or refuses (OOM, a read-only replica). */
  async run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const options = { keys: [...keys], arguments: args.map(String) };
    await this.firstAttempt;
    try {
      try {
        return await this.client.evalSha(script.sha1, options);
      } catch (err) {
        if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
        return await this.client.eval(script.source, options);
      }
    } catch (err) {
      throw new RedisUnavailableError(reasonOf(err, this.settings));
    }
  }

  /** A plain command for what no script is needed for (reads, deletes). */
  async command<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    await this.firstAttempt;
    try {
      return await fn(this.client);
    } catch (err) {
      throw new RedisUnavailableError(reasonOf(err, this.settings));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endFirstAttempt();
    this.listeners.clear();
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
    else this.client.destroy();
  }

  private set(state: RedisState): void {
    this.endFirstAttempt();
    if (this.closed) return;
    const same =
      state.up === this.current.up &&
      (state.up || state.reason === (this.current as { reason: string }).reason);
    this.current = state;
    if (!same) for (const listener of this.listeners) listener(state);
  }
}

/** An error's message with any password of the URL taken out. */
function reasonOf(err: unknown, settings: RedisSettings): string {
  const message = err instanceof Error ? err.message : String(err);
  const password = new URL(settings.url).password;
  return password ? message.split(decodeURIComponent(password)).join('***') : message;
}

interface Shared {
  connection: RedisConnection;
  users: number;
}

const shared = new Map<string, Shared>();

/** A use of the process's connection for these settings; `release` closes it after its last user. */
export interface RedisLease {
  connection: RedisConnection;
  release(): Promise<void>;
}

export function acquireRedis(settings: RedisSettings): RedisLease {
  const key = JSON.stringify([settings.url, settings.keyPrefix, settings.tls ?? null]);
  let entry = shared.get(key);
  if (!entry) {
    entry = { connection: new RedisConnection(settings), users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    connection: held.connection,
    async release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      if (shared.get(key) === held) shared.delete(key);
      await held.connection.close();
    },
  };
}
