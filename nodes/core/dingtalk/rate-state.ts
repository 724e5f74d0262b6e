import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What a robot's rate budget must remember across redeploys and restarts: DingTalk counts a robot's messages
 * and throttles the robot, not one deploy of it, so a new dispatcher starts from where the last one stopped.
 */
export interface RateState {
  /** When each recent send left (ms since epoch), oldest first. */
  sends: number[];
  /** Set while DingTalk throttles the robot: nothing leaves before this time, then one probe. */
  throttledUntil?: number;
}

/** Where a robot's rate state is kept. Synchronous: the state is a few hundred bytes. */
export interface RateStateStore {
  /** The state last saved, or undefined when there is none (or it cannot be read). */
  load(): RateState | undefined;
  /** Saves the state; throws when it cannot be written (the caller keeps it in memory and tries again). */
  save(state: RateState): void;
}

/** The state file's name for a robot: a digest of its access token, so that the token is not on disk. */
export function rateStateFileName(accessToken: string): string {
  return `rate-${createHash('sha256').update(accessToken).digest('hex').slice(0, 32)}.json`;
}

/** A robot's rate state in a small JSON file, replaced atomically (written aside, then renamed), mode 0600. */
export class FileRateState implements RateStateStore {
  constructor(private readonly file: string) {}

  load(): RateState | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return undefined; // none yet, or unreadable: start with a fresh budget
    }
    if (!parsed || typeof parsed !== 'object') return undefined;
    const { sends, throttledUntil } = parsed as Record<string, unknown>;
    const state: RateState = {
      sends: Array.isArray(sends)
        ? sends.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).sort((a, b) => a - b)
        : [],
    };
    if (typeof throttledUntil === 'number' && Number.isFinite(throttledUntil))
      state.throttledUntil = throttledUntil;
    return state;
  }

  save(state: RateState): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
