import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@countersign/platform/logging';
import type { ReloadPolicy } from './reload-policy.use-case.js';

const SETTLE_MS = 150;

/** Names, sizes and modification times of the directory's entries: cheap to read, changes with any edit. */
async function fingerprint(dir: string): Promise<string> {
  try {
    const names = (await readdir(dir)).sort();
    const parts = await Promise.all(
      names.map(async (n) => {
        const s = await stat(join(dir, n)).catch(() => undefined);
        return s ? `${n}:${s.size}:${s.mtimeMs}` : `${n}:gone`;
      }),
    );
    return parts.join('|');
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/**
 * Runs ReloadPolicy when the directory changes. File-system notifications make it quick; a periodic
 * check makes it certain (notifications are lost on some mounts, and a ConfigMap swaps a symlink).
 * Checks never overlap, and a check only loads the policy when the directory's fingerprint moved, or
 * when an event is still waiting to be published.
 */
export class PolicyDirWatcher {
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private seen: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly reload: ReloadPolicy,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.seen = await fingerprint(this.dir);
    await this.run(true);
    this.timer = setInterval(() => void this.trigger(), this.intervalMs);
    this.timer.unref();
    try {
      this.watcher = watch(this.dir, () => void this.trigger());
      this.watcher.on('error', () => this.stopWatching());
    } catch (error) {
      this.logger.warn({ err: error, dir: this.dir }, 'no file-system notifications for the policy directory; checking periodically');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopWatching();
    await this.running;
  }

  /** Resolves after a check that started after this call. */
  trigger(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.run(false);
    } while (this.again);
  }

  private async run(force: boolean): Promise<void> {
    let now = await fingerprint(this.dir);
    if (!force && now === this.seen && !this.reload.hasPending()) return;
    // Let a write in progress finish: an editor saving a file must not get half a file refused.
    for (let i = 0; i < 20 && now !== this.seen; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const later = await fingerprint(this.dir);
      if (later === now) break;
      now = later;
    }
    this.seen = now;
    try {
      await this.reload.execute();
    } catch (error) {
      this.logger.error({ err: error }, 'policy reload check failed');
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
