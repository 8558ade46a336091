import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { type PrismaClient, PrismaClient as PrismaClientToken } from '@countersign/platform/db';
import { checkNats, type NatsConnection } from '@countersign/platform/nats';
import { NATS_CONNECTION } from '@countersign/platform/nest';

interface StatusResponse {
  status(code: number): unknown;
}

@Controller()
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PrismaClientToken) private readonly prisma: PrismaClient,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready only when both NATS and Postgres answer: a load balancer should not send claims here otherwise. */
  @Get('readyz')
  async ready(@Res({ passthrough: true }) res: StatusResponse): Promise<{ nats: boolean; postgres: boolean }> {
    const [nats, postgres] = await Promise.all([checkNats(this.nc), this.pingPostgres()]);
    res.status(nats && postgres ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { nats, postgres };
  }

  private async pingPostgres(): Promise<boolean> {
    try {
      await this.prisma.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }
}
