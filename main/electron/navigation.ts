// What the window may navigate to: only the app's own pages on `studio://app`. Everything else —
// remote sites, file://, javascript:, data:, the asset host — is refused, and new windows are never
// opened inside the app. An https link the user clicks goes to the system browser instead.

export const STUDIO_SCHEME = 'studio';
/** Host of the renderer bundle; 'self' in the CSP. */
export const APP_HOST = 'app';
/** Host of the engine's asset server (frames, masks, thumbnails, videos). */
export const ASSET_HOST = 'asset';
export const APP_ENTRY_URL = `${STUDIO_SCHEME}://${APP_HOST}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True only for a page of the app bundle itself (used by `will-navigate` and `will-redirect`). */
export function isAllowedNavigation(url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  return (
    u.protocol === `${STUDIO_SCHEME}:` &&
    u.host.toLowerCase() === APP_HOST &&
    u.username === '' &&
    u.password === '' &&
    u.port === ''
  );
}

/**
 * The URL to hand to the system browser for a window.open / target=_blank request, or null to drop it.
 * Only https: — never file:, custom schemes or plain http (the OS would happily run handlers for them).
 */
export function externalUrlToOpen(url: string): string | null {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username !== '' || u.password !== '') return null;
  return u.href;
}
