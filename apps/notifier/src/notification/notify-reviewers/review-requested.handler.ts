import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ReviewRequestedV1, type EventOf } from '@countersign/contracts';
import { OnEvent } from '@countersign/platform/nest';
import { NotifyReviewers } from './notify-reviewers.use-case.js';

@Controller()
export class ReviewRequestedHandler {
  constructor(private readonly notifyReviewers: NotifyReviewers) {}

  @OnEvent(ReviewRequestedV1)
  async handle(@Payload() event: EventOf<typeof ReviewRequestedV1>): Promise<void> {
    await this.notifyReviewers.execute(event);
  }
}
