import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@countersign/platform/db';

export const PRISMA = Symbol('PRISMA');

@Injectable()
class PrismaShutdown implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/** One Prisma client per process; the connection string stays inside this module. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string) {
    return {
      module: DatabaseModule,
      providers: [{ provide: PRISMA, useFactory: () => createPrismaClient(databaseUrl) }, PrismaShutdown],
      exports: [PRISMA],
    };
  }
}
