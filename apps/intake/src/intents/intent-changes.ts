import { EventEmitter } from 'node:events';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { IntentRow } from './intent-record.js';

/**
 * Wakes long-polling readers in this process when the read model commits a new state. Copies of intake
 * behind a load balancer do not see each other's notifications; readers also re-check on a timer.
 */
@Injectable()
export class IntentChanges implements BeforeApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Every pending waiter, so that shutdown can release them all (without one listener each on a signal). */
  private readonly waiting = new Set<() => void>();
  private stopping = false;

  /** True once the app is stopping: waiting readers answer with what they have instead of holding it up. */
  get closing(): boolean {
    return this.stopping;
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const done of [...this.waiting]) done();
  }

  /** `row` is the committed row when the notifier has it, so that woken readers need not read it again. */
  notify(intentId: string, row?: IntentRow): void {
    this.emitter.emit(intentId, row);
  }

  /**
   * Resolves on the next notification for the intent (with its row, if the notifier sent one), after
   * `ms`, or when `signal` aborts (both with undefined).
   */
  waitFor(intentId: string, ms: number, signal?: AbortSignal): Promise<IntentRow | undefined> {
    return new Promise((resolve) => {
      const onAbort = () => done();
      const done = (row?: IntentRow) => {
        clearTimeout(timer);
        this.emitter.off(intentId, done);
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(done);
        resolve(row);
      };
      const timer = setTimeout(() => done(), ms);
      this.emitter.on(intentId, done);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(done);
      if (signal?.aborted || this.stopping) done();
    });
  }

  listenerCount(intentId: string): number {
    return this.emitter.listenerCount(intentId);
  }
}
