import type { CompiledPolicy } from '@countersign/domain';
import type { LoadedPolicy } from './load-policy/load-policy-dir.js';

/**
 * Holds the compiled policy the service classifies with. One instance per process, filled at boot;
 * a reload (a later issue) will swap `current` atomically so that an in-flight classification keeps
 * the version it started with.
 */
export class PolicyStore {
  constructor(private readonly loaded: LoadedPolicy) {}

  current(): CompiledPolicy {
    return this.loaded.compiled;
  }

  files(): readonly string[] {
    return this.loaded.files;
  }
}
