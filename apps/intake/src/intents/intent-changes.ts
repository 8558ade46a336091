import { EventEmitter } from 'node:events';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * Wakes long-polling readers in this process when the read model commits a new state. Copies of intake
 * behind a load balancer do not see each other's notifications; readers also re-check on a timer.
 */
@Injectable()
export class IntentChanges implements BeforeApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly shutdown = new AbortController();

  /** True once the app is stopping: waiting readers answer with what they have instead of holding it up. */
  get closing(): boolean {
    return this.shutdown.signal.aborted;
  }

  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  notify(intentId: string): void {
    this.emitter.emit(intentId);
  }

  /** Resolves on the next notification for the intent, after `ms`, or when `signal` aborts. */
  waitFor(intentId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(intentId, done);
        signal?.removeEventListener('abort', done);
        this.shutdown.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.on(intentId, done);
      signal?.addEventListener('abort', done, { once: true });
      this.shutdown.signal.addEventListener('abort', done, { once: true });
      if (signal?.aborted || this.closing) done();
    });
  }

  listenerCount(intentId: string): number {
    return this.emitter.listenerCount(intentId);
  }
}
