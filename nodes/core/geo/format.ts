// Values as a DingTalk template wants them: whole metres, six-decimal coordinates, one-decimal percentages,
// whole seconds, and ISO-8601 times in the offset the device reported (so a Hong Kong van's times read +08:00).

export const metres = (value: number): number => Math.round(value);
export const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));
export const percent = (part: number, whole: number): number =>
  whole > 0 ? Math.round((1000 * Math.min(Math.max(part, 0), whole)) / whole) / 10 : 0;
export const degrees = (value: number): number => Math.round(value * 1e6) / 1e6;

export interface LatLng {
  lat: number;
  lng: number;
}

export const latLng = (lng: number, lat: number): LatLng => ({ lat: degrees(lat), lng: degrees(lng) });

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** The UTC offset, in minutes, written at the end of an ISO time ("+08:00" → 480, "Z" → 0); null if none. */
export function offsetOf(iso: string): number | null {
  const match = OFFSET.exec(iso.trim());
  if (!match) return null;
  const text = (match[1] as string).toUpperCase();
  if (text === 'Z') return 0;
  const digits = text.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/** An ISO-8601 time to the second, in the given UTC offset (UTC, written Z, when the offset is unknown). */
export function isoAt(ms: number, offsetMinutes: number | null): string {
  if (!Number.isFinite(ms)) return '';
  const offset = offsetMinutes ?? 0;
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === null || offsetMinutes === 0) return `${local}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
