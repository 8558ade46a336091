import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { Clock } from '@countersign/platform/runtime';
import type pg from 'pg';
import type { IntakeConfig } from '../../config.js';
import { PG_POOL } from '@countersign/platform/nest';
import { INTAKE_CONFIG, LOGGER } from '../../infra/tokens.js';
import { intentColumns, type IntentRow } from '../intent-record.js';
import { SubmittedPublisher } from './submitted-publisher.js';

const BATCH = 100;

/**
 * Only rows still in state `submitted` can be unsent: any later state means policy saw the event. That
 * also lets the (state, published_at) index serve the query.
 */
const DUE = `SELECT ${intentColumns()} FROM intake.intents
  WHERE state = 'submitted' AND published_at IS NULL AND created_at < $1
  ORDER BY created_at LIMIT ${BATCH}`;

/**
 * Sends submitted events that were committed but never confirmed as published (a crash or a NATS outage
 * between commit and publish). Several copies may send the same row: the event id makes that harmless.
 */
@Injectable()
export class SubmittedRepublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(SubmittedPublisher) private readonly publisher: SubmittedPublisher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.INTAKE_REPUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.republishDue()
      .then((n) => {
        if (n > 0) this.logger.info({ count: n }, 'republished pending intent.submitted events');
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'republish pass failed');
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /**
   * One pass; returns how many events were sent. Rows younger than INTAKE_REPUBLISH_AFTER_MS are left
   * alone: their request is still publishing them, or their published_at mark is still being batched.
   */
  async republishDue(): Promise<number> {
    const olderThan = new Date(this.clock.now().getTime() - this.config.INTAKE_REPUBLISH_AFTER_MS);
    const { rows } = await this.pool.query<IntentRow>(DUE, [olderThan]);
    if (rows.length > 0) await this.publisher.publishAll(rows);
    return rows.length;
  }
}
