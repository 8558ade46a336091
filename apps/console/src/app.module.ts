import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { Clock, SystemClock } from '@countersign/platform/runtime';
import { API_URLS, CountersignApi, type ApiUrls } from './api/countersign-api.js';
import { AuditorController } from './auditor/auditor.controller.js';
import type { ConsoleConfig } from './config.js';
import { AssetsController } from './http/assets.controller.js';
import { InboxController } from './inbox/inbox.controller.js';
import { SESSION_SETTINGS, SessionStore } from './session/session-store.js';
import { PUBLIC_ORIGIN, WebSessions } from './session/web-sessions.js';
import { OIDC_SETTINGS, OidcClient, type OidcSettings } from './sign-in/oidc-client.js';
import { SignInController } from './sign-in/sign-in.controller.js';
import { TimelineController } from './timeline/timeline.controller.js';
import { PasskeysController } from './passkeys/passkeys.controller.js';
import { StepUpController } from './step-up/step-up.controller.js';
import { VoteController } from './vote/vote.controller.js';

export const LOGGER = Symbol('LOGGER');

/** The console holds no connection of its own: alive is ready (the services it calls have their own probes). */
@Controller()
class ConsoleHealthController {
  @Get(['healthz', 'readyz'])
  health(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: ConsoleConfig, logger: Logger): DynamicModule {
    const origin = new URL(config.CONSOLE_PUBLIC_URL).origin;
    const oidc: OidcSettings = {
      issuer: config.OIDC_ISSUER,
      clientId: config.OIDC_CLIENT_ID,
      clientSecretFile: config.OIDC_CLIENT_SECRET_FILE,
      scopes: config.OIDC_SCOPES,
      redirectUri: `${origin}/auth/callback`,
      allowHttp: config.OIDC_ALLOW_HTTP,
      stepUpMaxAgeSeconds: config.CONSOLE_STEP_UP_MAX_AGE_SECONDS,
    };
    const urls: ApiUrls = { policy: config.POLICY_URL.replace(/\/$/, ''), audit: config.AUDIT_URL.replace(/\/$/, '') };
    return {
      module: AppModule,
      controllers: [ConsoleHealthController, AssetsController, SignInController, InboxController, VoteController, StepUpController, PasskeysController, TimelineController, AuditorController],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: Clock, useClass: SystemClock },
        { provide: PUBLIC_ORIGIN, useValue: origin },
        { provide: OIDC_SETTINGS, useValue: oidc },
        { provide: API_URLS, useValue: urls },
        { provide: SESSION_SETTINGS, useValue: { ttlSeconds: config.CONSOLE_SESSION_TTL_SECONDS, stepUpMaxAgeSeconds: config.CONSOLE_STEP_UP_MAX_AGE_SECONDS } },
        SessionStore,
        WebSessions,
        OidcClient,
        CountersignApi,
      ],
    };
  }
}
