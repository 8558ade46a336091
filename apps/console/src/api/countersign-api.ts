import { Inject, Injectable } from '@nestjs/common';
import { ConsoleError } from '../http/console-error.js';

export const API_URLS = Symbol('API_URLS');
export interface ApiUrls {
  policy: string;
  audit: string;
}

export type ApiAnswer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; code: string; message: string };

/**
 * Calls the services with the signed-in user's own access token: the console gets exactly what that
 * person may get over the HTTP API, and nothing else (no service credential, no back door).
 */
@Injectable()
export class CountersignApi {
  constructor(@Inject(API_URLS) private readonly urls: ApiUrls) {}

  get<T>(service: keyof ApiUrls, path: string, token: string): Promise<ApiAnswer<T>> {
    return this.call<T>(service, 'GET', path, token);
  }

  post<T>(service: keyof ApiUrls, path: string, token: string, body: unknown): Promise<ApiAnswer<T>> {
    return this.call<T>(service, 'POST', path, token, body);
  }

  /** A raw response to stream on (the evidence ZIP); errors as for the JSON calls. */
  async stream(service: keyof ApiUrls, path: string, token: string): Promise<Response> {
    const res = await this.fetch(service, 'GET', path, token);
    if (!res.ok) {
      const failed = await this.failure(res);
      throw new ConsoleError(failed.code, res.status, failed.message);
    }
    return res;
  }

  private async call<T>(service: keyof ApiUrls, method: string, path: string, token: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await this.fetch(service, method, path, token, body);
    if (res.ok) return { ok: true, status: res.status, body: (await res.json()) as T };
    return { ok: false, status: res.status, ...(await this.failure(res)) };
  }

  private async fetch(service: keyof ApiUrls, method: string, path: string, token: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.urls[service]}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw new ConsoleError('SERVICE_UNAVAILABLE', 502, `The ${service} service did not answer; try again in a moment.`);
    }
  }

  private async failure(res: Response): Promise<{ code: string; message: string }> {
    const parsed = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    // An expired or revoked token: the user signs in again rather than reading a 401.
    if (res.status === 401) throw new ConsoleError('SIGN_IN_REQUIRED', 401, 'sign in again');
    return { code: parsed?.error?.code ?? `HTTP_${res.status}`, message: parsed?.error?.message ?? `HTTP ${res.status}` };
  }
}
