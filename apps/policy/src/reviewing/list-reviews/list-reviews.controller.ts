import { Controller, Get, Headers, Inject, Query } from '@nestjs/common';
import { z } from 'zod';
import { TokenVerifier } from '@countersign/platform/auth';
import { parseBody } from '@countersign/platform/nest';
import { ListReviews, type InboxItem } from './list-reviews.use-case.js';

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  decidable: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

@Controller('v1/reviews')
export class ListReviewsController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(ListReviews) private readonly listReviews: ListReviews,
  ) {}

  /** The caller's inbox: pending reviews, newest first, with canDecide / whyNot per review. */
  @Get()
  async list(@Headers('authorization') authorization: string | undefined, @Query() query: unknown): Promise<{ reviews: InboxItem[] }> {
    const identity = await this.verifier.verifyBearer(authorization);
    return this.listReviews.execute(identity, parseBody(ListQuery, query));
  }
}
