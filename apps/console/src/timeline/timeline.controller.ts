import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { z } from 'zod';
import { leafHash, merkleLeafHash, verifyInclusion } from '@countersign/platform/crypto';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import { layout } from '../http/layout.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';
import { proofPage, timelinePage, type AuditEvent, type Inclusion, type InclusionView } from './timeline-page.js';

const IntentId = z.uuid();
const Seq = z.coerce.number().int().positive();

/** An intent's audit trail (audit's GET /v1/audit/events, auditors only, with the user's token) and its proofs. */
@Controller('intents')
export class TimelineController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  private async events(intentId: string, token: string): Promise<AuditEvent[]> {
    const answer = await this.api.get<{ events: AuditEvent[] }>('audit', `/v1/audit/events?intentId=${intentId}&limit=1000`, token);
    if (answer.ok) return answer.body.events;
    if (answer.code === 'AUDITOR_REQUIRED') throw new ConsoleError(answer.code, 403, 'The audit trail is for auditors: your sign-in is not in the auditors group.');
    throw new ConsoleError(answer.code, answer.status, answer.message);
  }

  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  async timeline(@Req() req: WebRequest, @Param('id') id: string): Promise<string> {
    const session = this.sessions.require(req);
    const intentId = IntentId.safeParse(id);
    if (!intentId.success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such intent.');
    return layout('Timeline', this.sessions.pageUser(session), timelinePage(intentId.data, await this.events(intentId.data, session.accessToken)));
  }

  @Get(':id/proof/:seq')
  @Header('content-type', 'text/html; charset=utf-8')
  async proof(@Req() req: WebRequest, @Param('id') id: string, @Param('seq') seqParam: string): Promise<string> {
    const session = this.sessions.require(req);
    const intentId = IntentId.safeParse(id);
    const seq = Seq.safeParse(seqParam);
    if (!intentId.success || !seq.success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such event.');
    const event = (await this.events(intentId.data, session.accessToken)).find((e) => e.seq === seq.data);
    if (!event) throw new ConsoleError('NOT_FOUND', 404, 'This event is not part of this intent.');
    let answer = await this.api.get<Inclusion>('audit', `/v1/audit/proofs/inclusion?seq=${seq.data}`, session.accessToken);
    if (!answer.ok && (answer.code === 'NOT_IN_TREE' || answer.code === 'CHECKPOINT_NOT_FOUND')) {
      // Newer than the last signed checkpoint (or none yet): pin the log now (auditors may) and ask again.
      await this.api.post('audit', '/v1/audit/checkpoints', session.accessToken, {});
      answer = await this.api.get<Inclusion>('audit', `/v1/audit/proofs/inclusion?seq=${seq.data}`, session.accessToken);
    }
    if (!answer.ok) throw new ConsoleError(answer.code, answer.status, answer.message);
    const p = answer.body;
    // Recomputed here from the event itself, not taken on trust from the answer.
    const leaf = merkleLeafHash(Buffer.from(leafHash(event.payload), 'hex'));
    const verified = verifyInclusion(leaf, p.leafIndex, p.treeSize, p.proof.map((h) => Buffer.from(h, 'hex')), Buffer.from(p.rootHash, 'hex'));
    const view: InclusionView = { ...p, verified, eventType: event.type };
    return layout('Inclusion proof', this.sessions.pageUser(session), proofPage(intentId.data, view));
  }
}
