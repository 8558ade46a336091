import { Controller, Get, Headers, Query } from '@nestjs/common';
import { AuditorAccess } from '../../auth/auditor-access.js';
import { ValidationFailedError } from '../../http/validation-failed.error.js';
import { ListAuditEvents, ListEventsQuery, type ListEventsResult } from './list-events.use-case.js';

@Controller('v1/audit')
export class ListEventsController {
  constructor(
    private readonly access: AuditorAccess,
    private readonly listEvents: ListAuditEvents,
  ) {}

  @Get('events')
  async list(
    @Headers('authorization') authorization: string | undefined,
    @Query() query: Record<string, unknown>,
  ): Promise<ListEventsResult> {
    await this.access.authorize(authorization);
    const parsed = ListEventsQuery.safeParse(query);
    if (!parsed.success) throw new ValidationFailedError('query', parsed.error);
    return this.listEvents.execute(parsed.data);
  }
}
