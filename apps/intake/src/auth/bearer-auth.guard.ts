import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { requireScope, type VerifiedIdentity } from '@countersign/platform/auth';
import { VerifiedTokens } from './verified-tokens.js';

const SCOPES = 'countersign:scopes';
/** Scopes a route needs beyond a valid token (403 SCOPE_MISSING otherwise). */
export const RequireScopes = (...scopes: string[]) => SetMetadata(SCOPES, scopes);

interface AuthedRequest {
  headers: Record<string, string | string[] | undefined>;
  identity?: VerifiedIdentity;
}

/** Authenticates every request it guards; the identity then comes only from the token, never the body. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    @Inject(VerifiedTokens) private readonly verifier: VerifiedTokens,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers['authorization'];
    const identity = await this.verifier.verifyBearer(Array.isArray(header) ? undefined : header);
    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES, [ctx.getHandler(), ctx.getClass()]);
    for (const scope of scopes ?? []) requireScope(identity, scope);
    req.identity = identity;
    return true;
  }
}

export const CurrentIdentity = createParamDecorator((_: unknown, ctx: ExecutionContext): VerifiedIdentity => {
  const identity = ctx.switchToHttp().getRequest<AuthedRequest>().identity;
  // Only reachable if a route forgot the guard: fail closed.
  if (!identity) throw new Error('CurrentIdentity used on a route without BearerAuthGuard');
  return identity;
});
