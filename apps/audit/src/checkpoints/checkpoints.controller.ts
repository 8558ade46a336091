import { Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from '@countersign/platform/nest';
import { AuditorAccess } from '../auth/auditor-access.js';
import { PublishCheckpoint } from './publish-checkpoint.use-case.js';
import { ProveLog } from './prove.use-case.js';

const Size = z.coerce.number().int().positive();
const InclusionQuery = z.strictObject({ seq: Size, treeSize: Size.optional() });
const ConsistencyQuery = z.strictObject({ from: Size, to: Size.optional() });

function parse<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const r = schema.safeParse(query);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new ApiError('VALIDATION_FAILED', 400, `invalid query: ${issues.map((i) => `${i.path || '(query)'}: ${i.message}`).join('; ')}`, { issues });
}

@Controller('v1/audit')
export class CheckpointsController {
  constructor(
    private readonly access: AuditorAccess,
    private readonly publish: PublishCheckpoint,
    private readonly prove: ProveLog,
  ) {}

  @Get('checkpoints/latest')
  async latest(@Headers('authorization') authorization: string | undefined) {
    await this.access.authorize(authorization);
    const cp = await this.publish.execute();
    if (!cp) throw new ApiError('CHECKPOINT_NOT_FOUND', 404, 'the log is empty');
    return cp;
  }

  /** On demand, besides the interval: an auditor starting a review pins the log as it is now. */
  @Post('checkpoints')
  @HttpCode(200)
  async create(@Headers('authorization') authorization: string | undefined) {
    await this.access.authorize(authorization);
    const cp = await this.publish.execute();
    if (!cp) throw new ApiError('CHECKPOINT_NOT_FOUND', 404, 'the log is empty');
    return cp;
  }

  @Get('proofs/inclusion')
  async inclusion(@Headers('authorization') authorization: string | undefined, @Query() query: unknown) {
    await this.access.authorize(authorization);
    const q = parse(InclusionQuery, query);
    return this.prove.inclusion(q.seq, q.treeSize);
  }

  @Get('proofs/consistency')
  async consistency(@Headers('authorization') authorization: string | undefined, @Query() query: unknown) {
    await this.access.authorize(authorization);
    const q = parse(ConsistencyQuery, query);
    return this.prove.consistency(q.from, q.to);
  }
}
