import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { SigningKeys } from './signing-keys.js';

/** Picks up added, activated and retired keys without a restart (a failed read keeps the set in force). */
export class KeyReloadJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: SigningKeys,
    private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.keys.reload(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
