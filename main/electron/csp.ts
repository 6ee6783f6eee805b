// The Content-Security-Policy of the Electron window. The page is served from `studio://app` (so 'self'
// means the app bundle and nothing else) and frames/masks come from `studio://asset/...`.
// Enforced twice: as a response header set by main (the one that counts) and as the renderer's
// <meta> tag (which also has to serve the browser build of `serve`). When both exist the browser
// enforces both, so this header is the ceiling whatever the meta tag says.

/** Directive → sources. Kept as data so tests can check each directive, not substrings of a string. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  // No 'unsafe-eval' and no 'unsafe-inline': the Vite build emits only external module scripts.
  'script-src': ["'self'"],
  // React's `style={{…}}` props go through the CSSOM (element.style), which CSP does not govern, and the
  // Vite build extracts CSS to files — so no 'unsafe-inline' is needed. Only `<style>` tags or
  // `style="…"` attributes in markup would need it, and the renderer has neither.
  'style-src': ["'self'"],
  // studio: covers `studio://asset/...` (frames, masks, thumbnails); blob:/data: for canvas snapshots.
  'img-src': ["'self'", 'studio:', 'data:', 'blob:'],
  // Exported segmentation videos are played from the asset server.
  'media-src': ["'self'", 'studio:', 'blob:'],
  'font-src': ["'self'"],
  // The engine is reached over a MessagePort, not the network: only the app and its assets.
  'connect-src': ["'self'", 'studio:'],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  // Header-only directive (ignored in <meta>): nobody may frame the studio.
  'frame-ancestors': ["'none'"],
};

export function formatCsp(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** The header value main puts on every response the window loads. */
export const CONTENT_SECURITY_POLICY = formatCsp(CSP_DIRECTIVES);

/** Parses a CSP string back into directives (first occurrence wins, as browsers do). */
export function parseCsp(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    const name = tokens[0]?.toLowerCase();
    if (name && !(name in out)) out[name] = tokens.slice(1);
  }
  return out;
}

/**
 * Adds the CSP to a response's headers (Electron's onHeadersReceived shape), replacing any CSP the
 * response carried in whatever letter case — a server must not be able to loosen it.
 */
export function withCspHeader(
  headers: Record<string, string[] | string> | undefined,
  policy: string = CONTENT_SECURITY_POLICY,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === 'content-security-policy') continue;
    out[key] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}
