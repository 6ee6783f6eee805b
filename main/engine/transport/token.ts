// Token checks for the engine's network doors (`serve` and the desktop app's CLI endpoint).
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented token with the server's in time independent of where they differ and of the
 * presented length: both are hashed to 32 bytes first, so `compare` (timingSafeEqual) always runs, on
 * equal-length inputs, for a missing, short, long, wrong or right token alike.
 */
export function tokenMatches(given: string | null, token: string, compare: (a: Buffer, b: Buffer) => boolean = timingSafeEqual): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  const same = compare(digest(given ?? ''), digest(token));
  return given !== null && given !== '' && same;
}
