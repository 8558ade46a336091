import type { CompiledPolicy } from '@countersign/domain';
import type { LoadedPolicy } from '@countersign/policy-files';

/**
 * Holds the compiled policy the service classifies with. Filled at boot and only ever replaced by
 * another valid policy, so the policy in force can never be "none". Callers read `current()` once
 * per batch: a swap in the middle of a batch does not split it across two versions.
 */
export class PolicyStore {
  constructor(private loaded: LoadedPolicy) {}

  current(): CompiledPolicy {
    return this.loaded.compiled;
  }

  files(): readonly string[] {
    return this.loaded.files;
  }

  swap(next: LoadedPolicy): LoadedPolicy {
    const previous = this.loaded;
    this.loaded = next;
    return previous;
  }
}
