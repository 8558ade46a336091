import {
  createEvent,
  PolicyActivatedV1,
  PolicyRejectedV1,
  type CountersignEvent,
  type PolicyProblem,
} from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import type { Logger } from '@countersign/platform/logging';
import type { EventPublisher } from '@countersign/platform/nats';
import type { Clock, IdGenerator } from '@countersign/platform/runtime';
import { loadPolicyDir, PolicyValidationError, type LoadedPolicy } from '@countersign/policy-files';
import { POLICY_ACTOR } from '../../policy-actor.js';
import type { PolicyStore } from '../policy-store.js';

/** The event schema caps the list; an operator reads the rest in the log. */
const MAX_PROBLEMS_IN_EVENT = 200;

export type ReloadOutcome = 'unchanged' | 'activated' | 'rejected' | 'still-rejected';

export interface ReloadPolicyDeps {
  dir: string;
  store: PolicyStore;
  publisher: Pick<EventPublisher, 'publishAll'>;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  load?: (dir: string) => Promise<LoadedPolicy>;
}

/**
 * Reads the policy directory again and either puts a new valid version in force (`policy.activated`)
 * or refuses an invalid one, leaving the version in force deciding (`policy.rejected`, with every
 * problem). The same invalid content is reported once, not on every check. An event that could not be
 * published is kept, with its id, and sent again on the next run, so that no refusal goes unrecorded.
 */
export class ReloadPolicy {
  private readonly pending: CountersignEvent[] = [];
  private lastRejection: string | undefined;

  constructor(private readonly deps: ReloadPolicyDeps) {}

  /** The event for the version loaded at boot; published by the first `execute`. */
  announceBoot(): void {
    const current = this.deps.store;
    this.pending.push(this.activated(current.current().version, null, current.files(), current.current().document.rules.length));
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  async execute(): Promise<ReloadOutcome> {
    const outcome = await this.check();
    await this.flush();
    return outcome;
  }

  private async check(): Promise<ReloadOutcome> {
    const { store, dir, logger } = this.deps;
    let loaded: LoadedPolicy;
    try {
      loaded = await (this.deps.load ?? loadPolicyDir)(dir);
    } catch (error) {
      const problems: PolicyProblem[] =
        error instanceof PolicyValidationError ? error.problems : [{ file: dir, path: '', message: (error as Error).message }];
      const fingerprint = canonicalJson(problems);
      if (fingerprint === this.lastRejection) return 'still-rejected';
      this.lastRejection = fingerprint;
      const inForce = store.current().version;
      logger.warn({ problems, policyVersion: inForce }, 'policy change refused; the version in force keeps deciding');
      this.pending.push(
        this.event(PolicyRejectedV1, { inForce, problems: problems.slice(0, MAX_PROBLEMS_IN_EVENT) }),
      );
      return 'rejected';
    }
    this.lastRejection = undefined;
    const previous = store.current().version;
    if (loaded.compiled.version === previous) return 'unchanged';
    store.swap(loaded);
    logger.info({ policyVersion: loaded.compiled.version, previousVersion: previous, files: loaded.files }, 'policy reloaded');
    this.pending.push(this.activated(loaded.compiled.version, previous, loaded.files, loaded.compiled.document.rules.length));
    return 'activated';
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = [...this.pending];
    try {
      await this.deps.publisher.publishAll(batch);
      this.pending.splice(0, batch.length);
    } catch (error) {
      this.deps.logger.warn({ err: error, events: batch.length }, 'policy events not published yet; retrying on the next check');
    }
  }

  private activated(version: string, previous: string | null, files: readonly string[], rules: number): CountersignEvent {
    return this.event(PolicyActivatedV1, { policyVersion: version, previousVersion: previous, files: [...files], rules });
  }

  private event<D extends typeof PolicyActivatedV1 | typeof PolicyRejectedV1>(
    def: D,
    data: Parameters<typeof createEvent<D>>[1]['data'],
  ): CountersignEvent {
    return createEvent(def, {
      id: this.deps.ids.next(),
      occurredAt: this.deps.clock.now(),
      intentId: null,
      actor: POLICY_ACTOR,
      data,
    }) as CountersignEvent;
  }
}
