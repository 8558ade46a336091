import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { EventKeyRing } from '../event-keys/index.js';
import { createLogger } from '../logging/index.js';
import { connectNats, ensureStream, EventPublisher, type NatsConnection } from '../nats/index.js';

/** Injection token of the shared NatsConnection: `@Inject(NATS_CONNECTION) nc: NatsConnection`. */
export const NATS_CONNECTION = 'NATS_CONNECTION';

export interface NatsModuleOptions {
  url: string;
  /** Connection name (the service name). */
  name: string;
  /** Defaults to a pino logger named after the service. */
  logger?: Logger;
  /** The service's event keys: the EventPublisher signs every event with them. Also provided as `EventKeyRing`. */
  eventKeys: EventKeyRing;
}

@Injectable()
class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    // Drain rather than close so that publishes already handed to the client still reach the server.
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

@Global()
@Module({})
export class NatsModule {
  static forRoot(opts: NatsModuleOptions): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connectNats({ url: opts.url, name: opts.name });
            await ensureStream(nc);
            return nc;
          },
        },
        {
          provide: EventPublisher,
          useFactory: (nc: NatsConnection) => new EventPublisher(nc, opts.logger ?? createLogger(opts.name), opts.eventKeys.signer),
          inject: [NATS_CONNECTION],
        },
        { provide: EventKeyRing, useValue: opts.eventKeys },
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION, EventPublisher, EventKeyRing],
    };
  }
}
