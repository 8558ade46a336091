import type { EventDefinition } from '@countersign/contracts';
import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns every error into `{status, message: 'Internal server error'}` and logs
 * it, which would hide a RetryLaterError (and its delay) from the transport. Handlers declared with
 * OnEvent hand their errors to the transport unchanged; it decides between retry and give-up.
 */
@Catch()
export class PassErrorsToTransport implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** `@OnEvent(IntentSubmittedV1) handle(@Payload() e: EventOf<typeof IntentSubmittedV1>, @Ctx() ctx: JetStreamContext)` */
export function OnEvent(def: EventDefinition): MethodDecorator {
  return applyDecorators(EventPattern<string>(def.subject), UseFilters(PassErrorsToTransport));
}

/** One method for several events (e.g. a read model fed by every intent status event). */
export function OnEvents(...defs: EventDefinition[]): MethodDecorator {
  if (defs.length === 0) throw new Error('OnEvents needs at least one event definition');
  return applyDecorators(EventPattern<string[]>(defs.map((d) => d.subject)), UseFilters(PassErrorsToTransport));
}
