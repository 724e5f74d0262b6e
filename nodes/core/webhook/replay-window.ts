export type WindowCheck = { ok: true } | { ok: false; error: 'stale_timestamp'; detail: string };

function describe(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** A signed timestamp must lie within `windowMs` of now, either side (clocks drift both ways). */
export function checkReplayWindow(signedAtMs: number, nowMs: number, windowMs: number): WindowCheck {
  if (!Number.isFinite(signedAtMs))
    return { ok: false, error: 'stale_timestamp', detail: 'the timestamp is not a valid time' };
  const skew = nowMs - signedAtMs;
  if (Math.abs(skew) <= windowMs) return { ok: true };
  const direction = skew > 0 ? 'old' : 'in the future';
  return {
    ok: false,
    error: 'stale_timestamp',
    detail: `the timestamp is ${describe(skew)} ${direction}; the accepted window is ${describe(windowMs)}`,
  };
}
