// Query-string building shared by both clients' asset URLs.
export function toQuery(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Asset ids may contain ':' (e.g. `<experimentId>:<frameId>`); the frame server matches ids unencoded. */
export function encodeAssetId(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ':');
}
