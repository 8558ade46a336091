import { Inject, Injectable, type FactoryProvider, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, PrismaClient } from '@countersign/platform/db';
import type { IntakeConfig } from '../config.js';
import { INTAKE_CONFIG } from './tokens.js';

export const prismaProvider: FactoryProvider<PrismaClient> = {
  provide: PrismaClient,
  useFactory: (cfg: IntakeConfig) => createPrismaClient(cfg.DATABASE_URL),
  inject: [INTAKE_CONFIG],
};

@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PrismaClient) private readonly prisma: PrismaClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
