import type { FieldErrors } from './fields';
import { normalizeErrors } from './fields';

export const API = '/api/admin';

let csrfToken = '';
export function setCsrf(t: string | undefined | null) {
  csrfToken = t ?? '';
}

export class ApiError extends Error {
  status: number;
  code: string;
  fields: FieldErrors;
  body: any;
  constructor(status: number, body: any) {
    const err = body && typeof body === 'object' ? body.error : undefined;
    super(err?.message || `Request failed (${status})`);
    this.status = status;
    this.code = err?.code || String(status);
    this.fields = normalizeErrors(err?.fields);
    this.body = body;
  }
}

type UnauthHandler = () => void;
let onUnauthenticated: UnauthHandler = () => {};
export function setUnauthenticatedHandler(h: UnauthHandler) {
  onUnauthenticated = h;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Don't treat a 401 as "session expired" (sign-in, sign-off password checks). */
  no401Redirect?: boolean;
}

export interface ApiResult<T> {
  data: T;
  status: number;
  etag: string | null;
}

export async function request<T = any>(path: string, opts: RequestOptions = {}): Promise<ApiResult<T>> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: 'The server could not be reached' } });
  }
  let data: any = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: { code: 'bad_response', message: text.slice(0, 200) } };
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !opts.no401Redirect) onUnauthenticated();
    throw err;
  }
  return { data: data as T, status: res.status, etag: res.headers.get('ETag') };
}

export const api = {
  get: <T = any>(p: string, o: RequestOptions = {}) => request<T>(p, o).then((r) => r.data),
  post: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>(p, { ...o, method: 'POST', body }).then((r) => r.data),
  put: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>(p, { ...o, method: 'PUT', body }).then((r) => r.data),
  patch: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>(p, { ...o, method: 'PATCH', body }).then((r) => r.data),
  del: <T = any>(p: string, o: RequestOptions = {}) => request<T>(p, { ...o, method: 'DELETE' }).then((r) => r.data),
};

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The server's whole answer for a form: its message and every field
 * reason it gave ("url: must be an https URL"), field names put in the
 * form's words where `labels` knows them.
 */
export function errorWithReasons(e: unknown, labels: Record<string, string> = {}): string {
  const msg = errorMessage(e);
  if (!(e instanceof ApiError)) return msg;
  const reasons = Object.entries(e.fields).map(([k, v]) => `${labels[k] ?? k}: ${v}`);
  const extra = reasons.filter((r) => !msg.includes(r.split(': ').slice(1).join(': ')));
  return extra.length ? `${msg.replace(/\.?$/, '.')} ${extra.join('; ')}.` : msg;
}
