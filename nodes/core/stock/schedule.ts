// Wall-clock time in the shops' time zone: the daily digest times ("08:30") and the timestamps in alerts,
// written ISO-8601 with the zone's offset (2026-11-20T08:30:00+08:00), as POS events are.
import type { Clock, TimerHandle } from '../kernel/clock';
import { StockError } from './errors';

export interface DailyTime {
  hour: number;
  minute: number;
}

/** "08:30, 17:00" → times of day; an empty text → none. */
export function parseDailyTimes(input: string | undefined): DailyTime[] {
  const text = (input ?? '').trim();
  if (text === '') return [];
  const times: DailyTime[] = [];
  for (const part of text.split(/[\s,;，、]+/).filter(Boolean)) {
    const match = /^(\d{1,2})[:：](\d{2})$/.exec(part);
    const hour = Number(match?.[1]);
    const minute = Number(match?.[2]);
    if (!match || hour > 23 || minute > 59) throw new StockError('digest-times', { value: text });
    if (!times.some((t) => t.hour === hour && t.minute === minute)) times.push({ hour, minute });
  }
  return times.sort((a, b) => a.hour - b.hour || a.minute - b.minute);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const QUARTER_HOUR = 900_000;

export class TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  /** The IANA name, or undefined for the time zone of the machine Node-RED runs on. */
  readonly name: string | undefined;

  constructor(name?: string) {
    const zone = name?.trim() || undefined;
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new StockError('time-zone', { value: String(name) });
    }
    this.name = zone;
  }

  /** The wall-clock fields at instant `ms`. */
  private fields(ms: number): [number, number, number, number, number, number] {
    const out = [0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number];
    for (const part of this.format.formatToParts(ms)) {
      const index = ['year', 'month', 'day', 'hour', 'minute', 'second'].indexOf(part.type);
      if (index >= 0) out[index] = Number(part.value);
    }
    return out;
  }

  /**
   * Milliseconds to add to UTC to get local wall-clock time at instant `ms`. Zones change offset only on a
   * quarter hour of UTC, so the offset is looked up once per quarter hour (Intl is slow; alerts are not).
   */
  offsetMs(ms: number): number {
    const bucket = Math.floor(ms / QUARTER_HOUR);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const start = bucket * QUARTER_HOUR;
      const [y, mo, d, h, mi, s] = this.fields(start);
      offset = Date.UTC(y, mo - 1, d, h, mi, s) - start;
      if (this.offsets.size >= 256) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /** ISO-8601 with this zone's offset: 2026-11-20T08:30:00+08:00 (milliseconds when not zero). */
  iso(ms: number): string {
    const offset = this.offsetMs(ms);
    const local = new Date(ms + offset);
    const sign = offset < 0 ? '-' : '+';
    const minutes = Math.abs(Math.round(offset / 60_000));
    const millis = local.getUTCMilliseconds();
    return (
      `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
      `${millis ? `.${pad(millis, 3)}` : ''}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
    );
  }

  /** The UTC instant of a local wall-clock time (the later one in a daylight-saving overlap). */
  private instantOf(y: number, mo: number, d: number, time: DailyTime): number {
    const wall = Date.UTC(y, mo - 1, d, time.hour, time.minute);
    const guess = wall - this.offsetMs(wall);
    return wall - this.offsetMs(guess);
  }

  /** The first of `times` strictly after `afterMs`. */
  nextDaily(afterMs: number, times: readonly DailyTime[]): number | undefined {
    if (times.length === 0) return undefined;
    const [y, mo, d] = this.fields(afterMs);
    for (let day = 0; day <= 2; day++) {
      for (const time of times) {
        const at = this.instantOf(y, mo, d + day, time);
        if (at > afterMs) return at;
      }
    }
    return undefined;
  }
}

/** Calls `onDue` at each of the daily times, for as long as it is not closed. */
export class DailyTimer {
  private handle: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly times: readonly DailyTime[],
    private readonly zone: TimeZone,
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  /** The next time it will fire, or undefined when it has no times. */
  nextAt: number | undefined;

  start(): void {
    this.arm(this.clock.now());
  }

  private arm(afterMs: number): void {
    if (this.closed) return;
    const at = this.zone.nextDaily(afterMs, this.times);
    this.nextAt = at;
    if (at === undefined) return;
    // Long waits (over a DST change, or a clock that jumps) re-check the time rather than trust one timer.
    const wait = Math.min(at - this.clock.now(), 6 * 3_600_000);
    this.handle = this.clock.setTimer(
      () => {
        this.handle = undefined;
        if (this.clock.now() >= at) {
          this.onDue();
          this.arm(Math.max(at, this.clock.now()));
        } else this.arm(afterMs);
      },
      Math.max(0, wait),
    );
  }

  close(): void {
    this.closed = true;
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
  }
}
