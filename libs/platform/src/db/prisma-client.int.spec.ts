import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@countersign/testing';
import { applyMigrations, createPgPool, createPrismaClient, Prisma, type PrismaClient } from './index.js';

interface RuntimeModel {
  models: Record<string, { dbName: string | null; schema: string | null; fields: { name: string; kind: string; dbName?: string | null }[] }>;
}

describe('generated Prisma client against migrated tables', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('cs_prisma');
    await applyMigrations(db.url);
    prisma = createPrismaClient(db.url);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db.drop();
  });

  it('creates and finds an intent (json, char(64), uuid, timestamptz columns)', async () => {
    const id = uuidv4();
    const hash = 'c'.repeat(64);
    await prisma.intent.create({
      data: {
        id,
        requesterSubject: 'ci:deploy',
        requester: { kind: 'pipeline', id: 'ci:deploy' },
        action: 'db.export',
        resource: { kind: 'table', id: 'customers', env: 'prod', tags: [] },
        args: { format: 'csv' },
        justification: 'quarterly report',
        intentHash: hash,
        state: 'submitted',
        submittedEventId: uuidv4(),
      },
    });
    const found = await prisma.intent.findUnique({ where: { id } });
    expect(found).toMatchObject({
      id,
      intentHash: hash,
      resource: { kind: 'table', id: 'customers', env: 'prod', tags: [] },
      decision: null,
      publishedAt: null,
    });
    expect(found?.createdAt).toBeInstanceOf(Date);
  });

  it('maps unique violations to P2002 and reads BigInt seq from audit.events', async () => {
    const row = {
      seq: 1n, eventId: uuidv4(), subject: 's', type: 't', occurredAt: new Date(), payload: { a: 1 },
      leafHash: 'd'.repeat(64), prevHash: '0'.repeat(64), entryHash: 'e'.repeat(64), signature: 'sig', kid: 'k',
    };
    await prisma.auditEvent.create({ data: row });
    const err = await prisma.auditEvent.create({ data: { ...row, seq: 2n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((err as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');
    expect((await prisma.auditEvent.findFirst({ where: { eventId: row.eventId } }))?.seq).toBe(1n);
  });

  // `prisma migrate diff` needs the native schema engine (not available offline), so this is the
  // cheap stand-in: every model's table and columns exist in the migrated database, and the tables
  // have no columns the models do not know.
  it('models and migrated tables agree (no drift between schema/*.prisma and migrations)', async () => {
    const model = (prisma as unknown as { _runtimeDataModel: RuntimeModel })._runtimeDataModel.models;
    const pool = createPgPool(db.url, { max: 1 });
    try {
      for (const [name, m] of Object.entries(model)) {
        const cols = await pool.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
          [m.schema, m.dbName ?? name],
        );
        const expected = m.fields.filter((f) => f.kind === 'scalar').map((f) => f.dbName ?? f.name);
        expect({ name, columns: cols.rows.map((c) => c.column_name).sort() }).toEqual({ name, columns: expected.sort() });
        const delegate = (prisma as unknown as Record<string, { findMany(a: object): Promise<unknown[]> }>)[
          name.charAt(0).toLowerCase() + name.slice(1)
        ]!;
        await expect(delegate.findMany({ take: 1 })).resolves.toBeInstanceOf(Array);
      }
      expect(Object.keys(model)).toEqual(expect.arrayContaining(['Intent', 'Grant', 'AuditEvent', 'PolicyProcessedEvent']));
    } finally {
      await pool.end();
    }
  });

  it('createPgPool reaches the same tables for raw SQL', async () => {
    const pool = createPgPool(db.url, { max: 2 });
    try {
      const r = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM intake.intents');
      expect(r.rows[0]?.n).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
