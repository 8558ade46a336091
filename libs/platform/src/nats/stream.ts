import { STREAM_NAME, STREAM_SUBJECTS } from '@countersign/contracts';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

export interface EnsureStreamOptions {
  name?: string;
  subjects?: string[];
  duplicateWindowMs?: number;
}

/**
 * Creates the stream or brings an existing one to this configuration. Every service calls it at boot,
 * so whichever starts first creates it and the others converge on the same settings.
 */
export async function ensureStream(nc: NatsConnection, opts: EnsureStreamOptions = {}): Promise<void> {
  const jsm = await jetstreamManager(nc).catch((error: unknown) => {
    if (error instanceof Error && /jetstream.*not enabled/i.test(error.message)) {
      throw new Error('JetStream is not enabled on this NATS server: start it with `nats-server -js -sd <dir>`', { cause: error });
    }
    throw error;
  });
  const name = opts.name ?? STREAM_NAME;
  const config = {
    subjects: opts.subjects ?? [...STREAM_SUBJECTS],
    storage: StorageType.File,
    duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000),
  };
  try {
    await jsm.streams.info(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add({ name, ...config });
      return;
    } catch (addError) {
      // Another copy created it between our info and add; fall through to update.
      if (!isAlreadyInUse(addError)) throw addError;
    }
  }
  await jsm.streams.update(name, config);
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

function isAlreadyInUse(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === 10058; // stream name already in use
}
