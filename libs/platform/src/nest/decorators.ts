import type { EventDefinition } from '@countersign/contracts';
import { applyDecorators, Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';

/** Key in a handler's pattern extras that marks a batch handler; its value identifies the method. */
export const BATCH_HANDLER_EXTRA = 'countersignBatchHandler';
let batchHandlerIds = 0;

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

/**
 * `@OnEventBatch(IntentSubmittedV1, IntentClassifiedV1) handle(@Payload() items: DeliveredEvent[], @Ctx() ctx: JetStreamContext)`:
 * called with every event of a pulled batch whose subject it registered, in stream order, once per batch.
 * The batch is acked when the call resolves; a throw naks all of it (see JetStreamTransport).
 */
export function OnEventBatch(...defs: EventDefinition[]): MethodDecorator {
  if (defs.length === 0) throw new Error('OnEventBatch needs at least one event definition');
  // Nest registers one callback per subject; the id lets the transport call the method once for all of them.
  const id = `batch-${++batchHandlerIds}`;
  return applyDecorators(
    EventPattern<string[]>(
      defs.map((d) => d.subject),
      { [BATCH_HANDLER_EXTRA]: id },
    ),
    UseFilters(PassErrorsToTransport),
  );
}
