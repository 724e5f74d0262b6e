// Keeps a `matches` pattern from stalling Node-RED. JavaScript's regular expressions backtrack, and a test
// cannot be interrupted: `^(a+)+$` against 30 characters blocks the event loop for seconds. So every pattern
// is put through recheck (a ReDoS checker) when it is compiled, and refused when its matching time can grow
// faster than the square of the text's length; the text itself is bounded, which keeps a quadratic pattern
// (`.*tea.*`, common and harmless) at about a millisecond in the worst case.
import { checkSync, type Diagnostics } from 'recheck';

/** Longer field values never match: the bound that makes a quadratic pattern cheap. */
export const MAX_MATCH_LENGTH = 1000;

/** The highest polynomial degree accepted (degree 3 at MAX_MATCH_LENGTH characters already takes ~0.1 s). */
const MAX_DEGREE = 2;

/**
 * How long the checker may take. Most patterns take a few milliseconds; lookarounds and backreferences take
 * the slower fuzzing checker (about 0.3 s). A pattern it cannot decide in time is refused, not trusted.
 */
const CHECK_TIMEOUT_MS = 3000;

export type RegexSafety =
  | { safe: true }
  | { safe: false; code: 'unsafe-regex' | 'unchecked-regex'; detail: string };

// Verdicts by pattern: a redeploy, or a context value that comes back, is not checked again.
const verdicts = new Map<string, RegexSafety>();
const MAX_VERDICTS = 500;

/** Whether a pattern (with its flags) can be tested against MAX_MATCH_LENGTH characters without a stall. */
export function checkRegexSafety(source: string, flags: string): RegexSafety {
  const key = `${flags}/${source}`;
  const known = verdicts.get(key);
  if (known) return known;
  const verdict = judge(source, flags);
  if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(key, verdict);
  return verdict;
}

function judge(source: string, flags: string): RegexSafety {
  let diagnostics: Diagnostics;
  try {
    diagnostics = checkSync(source, flags, { timeout: CHECK_TIMEOUT_MS });
  } catch (err) {
    return { safe: false, code: 'unchecked-regex', detail: (err as Error).message };
  }
  switch (diagnostics.status) {
    case 'safe':
      return { safe: true };
    case 'vulnerable': {
      const { complexity } = diagnostics;
      if (complexity.type === 'polynomial' && complexity.degree <= MAX_DEGREE) return { safe: true };
      const growth = complexity.type === 'exponential' ? 'O(2^n)' : `O(n^${complexity.degree})`;
      return { safe: false, code: 'unsafe-regex', detail: `${growth}, e.g. ${diagnostics.attack.pattern}` };
    }
    default:
      return { safe: false, code: 'unchecked-regex', detail: diagnostics.error.kind };
  }
}
