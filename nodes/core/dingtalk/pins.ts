// Certificate pinning for the DingTalk host (optional): the robot sends only over a TLS connection whose
// certificate chain holds a public key with one of the configured SPKI sha256 pins, the same pins as
// HPKP and `curl --pinnedpubkey sha256//…`. At least two are required, so that a backup (the next key, or
// the issuing CA's) keeps alerts flowing when DingTalk rotates its certificate.
import { createHash, X509Certificate } from 'node:crypto';
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { type Problem, problem } from './reasons';

/** The error code a pin mismatch carries from the TLS handshake to the answer's classification. */
export const PIN_MISMATCH_CODE = 'ERR_DINGTALK_PIN_MISMATCH';

/** The fewest pins a robot accepts: one in use and a backup. */
export const MIN_PINS = 2;

export type PinsResult = { ok: true; pins: string[] } | { ok: false; problem: Problem };

/**
 * Reads the pins typed in the robot's form: `sha256/<base64>` or bare base64 of a 32-byte digest, one per
 * line or comma-separated. Empty text turns pinning off (no pins); otherwise at least MIN_PINS different ones.
 */
export function parsePins(text: string): PinsResult {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  const pins: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const base64 = entry.replace(/^sha256\/+/i, '');
    if (!/^[A-Za-z0-9+/]{43}=$/.test(base64) || Buffer.from(base64, 'base64').length !== 32) {
      return {
        ok: false,
        problem: problem('pins_invalid', { detail: `entry ${i + 1} is not a sha256 pin (sha256/… base64)` }),
      };
    }
    if (!pins.includes(base64)) pins.push(base64);
  }
  if (pins.length > 0 && pins.length < MIN_PINS) {
    return { ok: false, problem: problem('pins_too_few', { detail: `${pins.length} of ${MIN_PINS}` }) };
  }
  return { ok: true, pins };
}

/**
 * The SPKI sha256 pin of one certificate (base64), from its DER bytes: the certificate's `pubkey` is the
 * SubjectPublicKeyInfo only for RSA keys (for EC keys it is the bare point), so it cannot be hashed as is.
 */
export function spkiPin(cert: PeerCertificate): string | undefined {
  if (!cert.raw) return undefined;
  try {
    const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('base64');
  } catch {
    return undefined;
  }
}

/**
 * A `checkServerIdentity` for tls.connect that first checks the host name as usual, then requires one
 * certificate of the chain (the server's own, an intermediate or the root) to carry one of `pins`.
 */
export function pinnedServerIdentity(
  pins: readonly string[],
): (host: string, cert: PeerCertificate) => Error | undefined {
  const wanted = new Set(pins);
  return (host, cert) => {
    const wrongHost = checkServerIdentity(host, cert);
    if (wrongHost) return wrongHost;
    // tls.connect hands over the whole chain (getPeerCertificate(true)); the root is its own issuer
    const seen = new Set<PeerCertificate>();
    let c: DetailedPeerCertificate | undefined = cert as DetailedPeerCertificate;
    for (; c && !seen.has(c); c = c.issuerCertificate) {
      seen.add(c);
      const pin = spkiPin(c);
      if (pin && wanted.has(pin)) return undefined;
    }
    return Object.assign(new Error(`the certificate of ${host} matches none of the robot's pins`), {
      code: PIN_MISMATCH_CODE,
    });
  };
}
