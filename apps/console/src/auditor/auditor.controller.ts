import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import { layout } from '../http/layout.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';
import { auditorPage, type EvidenceSummary } from './auditor-page.js';

const Day = z.iso.date();
const Period = z
  .object({ from: Day, to: Day })
  .refine((p) => p.from < p.to, { message: 'the period must end after it starts', path: ['to'] });

const day = (d: Date) => d.toISOString().slice(0, 10);

function period(query: Record<string, unknown>): { from: string; to: string } | null {
  if (query['from'] === undefined && query['to'] === undefined) return null;
  const parsed = Period.safeParse(query);
  if (!parsed.success) throw new ConsoleError('VALIDATION_FAILED', 400, `Choose a period as two dates, the first before the second (${parsed.error.issues[0]?.message ?? ''}).`);
  return parsed.data;
}

const apiQuery = (p: { from: string; to: string }) => `from=${p.from}T00:00:00Z&to=${p.to}T00:00:00Z`;

/** The auditor's view: a period, the evidence report's figures for it, and the evidence ZIP. */
@Controller('audit')
export class AuditorController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async view(@Req() req: WebRequest, @Query() query: Record<string, unknown>): Promise<string> {
    const session = this.sessions.require(req);
    const chosen = period(query);
    const now = new Date();
    const shown = chosen ?? { from: day(new Date(now.getTime() - 30 * 86_400_000)), to: day(new Date(now.getTime() + 86_400_000)) };
    let summary: EvidenceSummary | null = null;
    if (chosen) {
      const answer = await this.api.get<EvidenceSummary>('audit', `/v1/evidence/summary?${apiQuery(chosen)}`, session.accessToken);
      if (!answer.ok) throw new ConsoleError(answer.code, answer.status, answer.code === 'AUDITOR_REQUIRED' ? 'Evidence is for auditors: your sign-in is not in the auditors group.' : answer.message);
      summary = answer.body;
    }
    return layout('Evidence', this.sessions.pageUser(session), auditorPage({ ...shown, summary }));
  }

  /** Streams audit's GET /v1/evidence through, fetched with the auditor's own token. */
  @Get('evidence.zip')
  async download(
    @Req() req: WebRequest,
    @Query() query: Record<string, unknown>,
    @Res() res: NodeJS.WritableStream & { setHeader(name: string, value: string): unknown },
  ): Promise<void> {
    const session = this.sessions.require(req);
    const chosen = period(query);
    if (!chosen) throw new ConsoleError('VALIDATION_FAILED', 400, 'Choose a period first.');
    const upstream = await this.api.stream('audit', `/v1/evidence?${apiQuery(chosen)}`, session.accessToken);
    if (!upstream.body) throw new ConsoleError('EMPTY', 502, 'The audit service sent no evidence.');
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-disposition', upstream.headers.get('content-disposition') ?? `attachment; filename="evidence-${chosen.from}-${chosen.to}.zip"`);
    res.setHeader('cache-control', 'no-store');
    Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>).pipe(res);
  }
}
