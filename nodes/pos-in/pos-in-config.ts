// Turns the editor's settings for a pos-in node into checked values, or a message key saying what is wrong
// (reported at deploy, not on the first request).
import { IpAllowlist } from '../core/webhook/ip-allowlist';
import { type SignatureScheme, secretProblem, signatureSchemes } from '../core/webhook/signature-schemes';
import { SourceRateLimiter } from '../core/webhook/source-rate-limiter';
import { normalisePath } from '../shared/http-routes';
import type { NodeDef } from '../shared/node-red';

export interface PosInDef extends NodeDef {
  path?: string;
  scheme?: string;
  allowUnsigned?: boolean;
  notificationUrl?: string;
  shopifyTopic?: string;
  shopifyShop?: string;
  windowMinutes?: number | string;
  dedupeHours?: number | string;
  maxBodyKb?: number | string;
  allowlist?: string;
  ratePerSecond?: number | string;
}

export interface PosInCredentials {
  secret?: string;
  previousSecret?: string;
}

export interface PosInSettings {
  path: string | undefined;
  scheme: SignatureScheme;
  secrets: string[];
  notificationUrl: string;
  shopifyTopic: string | undefined;
  shopifyShop: string | undefined;
  windowMs: number;
  dedupeHorizonMs: number;
  maxBodyBytes: number;
  allowlist: IpAllowlist | undefined;
  rateLimiter: SourceRateLimiter | undefined;
}

export type PosInConfig =
  | { ok: true; settings: PosInSettings }
  | { ok: false; error: string; detail?: string };

export const defaults = { windowMinutes: 5, maxWindowMinutes: 15, dedupeHours: 72, maxBodyKb: 1024 } as const;

function numberOr(value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  return Number.isFinite(number) ? number : Number.NaN;
}

export function parsePosInConfig(def: PosInDef, secrets: PosInCredentials): PosInConfig {
  const scheme = (def.scheme || 'generic') as SignatureScheme;
  if (!signatureSchemes.includes(scheme))
    return { ok: false, error: 'unknown-scheme', detail: String(def.scheme) };
  if (scheme === 'none' && def.allowUnsigned !== true) return { ok: false, error: 'unsigned-not-allowed' };
  const keys = [secrets.secret, secrets.previousSecret].filter((s): s is string => Boolean(s));
  if (scheme !== 'none' && keys.length === 0) return { ok: false, error: 'missing-secret' };
  for (const [field, secret] of [
    ['secret', secrets.secret],
    ['previousSecret', secrets.previousSecret],
  ] as const) {
    const problem = secret ? secretProblem(scheme, secret) : undefined;
    if (problem)
      return { ok: false, error: field === 'secret' ? 'bad-secret' : 'bad-previous-secret', detail: problem };
  }
  if (scheme === 'square' && !def.notificationUrl) return { ok: false, error: 'missing-notification-url' };
  // Shopify signs only the body: the topic and shop an event belongs to come from here, never from headers
  const shopifyTopic = def.shopifyTopic?.trim() || undefined;
  const shopifyShop = def.shopifyShop?.trim() || undefined;
  if (scheme === 'shopify' && !shopifyTopic) return { ok: false, error: 'missing-shopify-topic' };
  if (scheme === 'shopify' && !shopifyShop) return { ok: false, error: 'missing-shopify-shop' };

  const windowMinutes = numberOr(def.windowMinutes, defaults.windowMinutes);
  if (!(windowMinutes > 0 && windowMinutes <= defaults.maxWindowMinutes))
    return { ok: false, error: 'bad-window' };
  const dedupeHours = numberOr(def.dedupeHours, defaults.dedupeHours);
  if (!(dedupeHours > 0)) return { ok: false, error: 'bad-dedupe-hours' };
  const maxBodyKb = numberOr(def.maxBodyKb, defaults.maxBodyKb);
  if (!(maxBodyKb >= 1)) return { ok: false, error: 'bad-body-limit' };
  const ratePerSecond = numberOr(def.ratePerSecond, 0);
  if (!(ratePerSecond >= 0)) return { ok: false, error: 'bad-rate' };
  const allowlist = IpAllowlist.parse(def.allowlist ?? '');
  if (!allowlist.ok) return { ok: false, error: 'bad-allowlist', detail: allowlist.detail };

  return {
    ok: true,
    settings: {
      path: def.path?.trim() ? normalisePath(def.path) : undefined,
      scheme,
      secrets: keys,
      notificationUrl: def.notificationUrl ?? '',
      shopifyTopic,
      shopifyShop,
      windowMs: windowMinutes * 60_000,
      dedupeHorizonMs: dedupeHours * 3_600_000,
      maxBodyBytes: Math.floor(maxBodyKb * 1024),
      allowlist: allowlist.allowlist,
      rateLimiter: ratePerSecond > 0 ? new SourceRateLimiter(ratePerSecond) : undefined,
    },
  };
}
