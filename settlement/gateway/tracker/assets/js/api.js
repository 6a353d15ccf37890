// api.js: reads of the gateway's REST API (/v1). Errors are
// application/problem+json; ApiError carries the problem's stable code.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || '';
  }
}

// getJSON fetches path and decodes its JSON body, throwing ApiError for an
// error status and TypeError when the gateway cannot be reached.
export async function getJSON(path, { signal } = {}) {
  const resp = await fetch(path, { headers: { Accept: 'application/json' }, signal, cache: 'no-store' });
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (!resp.ok) throw new ApiError(resp.status, body);
  return body;
}

// query builds "path?k=v&…" from the defined values of params.
export function query(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
