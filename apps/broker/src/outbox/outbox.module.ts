import { Module } from '@nestjs/common';
import { PrismaClient as PrismaClientToken, type PrismaClient } from '@countersign/platform/db';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { GrantEvents } from '../grants/grant-events.js';
import { LOGGER } from '../tokens.js';
import { OutboxRelay } from './outbox-relay.js';

/** What every broker event goes through: built by GrantEvents, committed to the outbox, published by the relay. */
@Module({
  providers: [
    { provide: GrantEvents, inject: [Clock, IdGenerator], useFactory: (c: Clock, i: IdGenerator) => new GrantEvents(c, i) },
    {
      provide: OutboxRelay,
      inject: [PrismaClientToken, EventPublisher, LOGGER],
      useFactory: (p: PrismaClient, pub: EventPublisher, l: Logger) => new OutboxRelay(p, pub, l),
    },
  ],
  exports: [GrantEvents, OutboxRelay],
})
export class OutboxModule {}
