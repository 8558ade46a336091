import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import type { CountersignEvent } from '@countersign/contracts';
import { merkleLeafHash, MerkleTree } from '@countersign/platform/crypto';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { Clock } from '@countersign/platform/runtime';
import { checkpointStore, merkleLeaves } from '../checkpoints/merkle-log.js';
import { CHECKPOINT_ORIGIN, PublishCheckpoint } from '../checkpoints/publish-checkpoint.use-case.js';
import { toChainEntry } from '../reading/audit-rows.js';
import { AuditSigningKey } from '../signing/audit-signing-key.js';
import { periodEvents, rejectedSignaturesOf } from './period-events.js';
import { buildPopulation, POPULATION_COLUMNS } from './population.js';
import { reportHtml } from './report-html.js';

export interface EvidenceFile {
  name: string;
  content: Buffer;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Spreadsheets run cells that start with these as formulas; a leading quote keeps them text. */
const neutralise = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

/**
 * The evidence package for a period: the population of intents submitted in it, their events with
 * inclusion proofs against a checkpoint signed now, the checkpoint and keys, a report, and a manifest
 * of every file's SHA-256 signed with the audit key.
 */
@Injectable()
export class BuildEvidence {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PublishCheckpoint) private readonly publish: PublishCheckpoint,
    @Inject(AuditSigningKey) private readonly signing: AuditSigningKey,
    @Inject(CHECKPOINT_ORIGIN) private readonly origin: string,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(EventKeyRing) private readonly eventKeys: EventKeyRing,
  ) {}

  async execute(from: Date, to: Date): Promise<EvidenceFile[]> {
    const checkpoint = (await this.publish.execute().catch(() => undefined)) ?? (await checkpointStore.latest(this.pool));
    if (!checkpoint) throw new ApiError('CHECKPOINT_NOT_FOUND', 404, 'the log is empty');
    const size = checkpoint.treeSize;
    const rows = await periodEvents(this.pool, from, to, size);
    const tree = new MerkleTree(await merkleLeaves(this.pool, size));
    const events = rows.map((row) => {
      const entry = toChainEntry(row);
      const proof = tree.inclusionProof(entry.seq - 1).map((h) => h.toString('hex'));
      // The proof is only worth something if the leaf the auditor will recompute is the one in the tree.
      if (!merkleLeafHash(Buffer.from(entry.leafHash, 'hex')).equals(tree.inclusionProofLeaf(entry.seq - 1))) {
        throw new ApiError('LOG_INCONSISTENT', 500, `event ${entry.seq} does not match its leaf in the tree`);
      }
      return { ...entry, inclusion: { leafIndex: entry.seq - 1, treeSize: size, proof } };
    });
    const population = buildPopulation(rows.map((r) => r.payload as CountersignEvent));
    const csv = stringify(
      population.map((r) => POPULATION_COLUMNS.map((c) => neutralise(r[c]))),
      { header: true, columns: [...POPULATION_COLUMNS] },
    );
    const generatedAt = this.clock.now().toISOString();
    const report = reportHtml({
      origin: this.origin,
      from: from.toISOString(),
      to: to.toISOString(),
      generatedAt,
      checkpoint: { size, root: checkpoint.rootHash },
      events: { count: rows.length, firstSeq: events[0]?.seq ?? null, lastSeq: events.at(-1)?.seq ?? null },
      population,
      rejectedSignatures: rejectedSignaturesOf(rows),
    });
    const files: EvidenceFile[] = [
      { name: 'population.csv', content: Buffer.from(csv, 'utf8') },
      { name: 'events.jsonl', content: Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''), 'utf8') },
      { name: 'checkpoint.txt', content: Buffer.from(checkpoint.note, 'utf8') },
      { name: 'keys.json', content: Buffer.from(JSON.stringify(this.signing.jwks(), null, 2), 'utf8') },
      // Every service's public event key and its owner: what each event's serviceSignature verifies against.
      { name: 'event-keys.json', content: Buffer.from(JSON.stringify(this.eventKeys.jwks(), null, 2), 'utf8') },
      { name: 'report.html', content: Buffer.from(report, 'utf8') },
    ];
    const manifest = Buffer.from(
      JSON.stringify(
        {
          format: 'countersign-evidence/v1',
          origin: this.origin,
          period: { from: from.toISOString(), to: to.toISOString() },
          generatedAt,
          checkpoint: { size, root: checkpoint.rootHash },
          files: files.map((f) => ({ name: f.name, bytes: f.content.length, sha256: sha256(f.content) })),
        },
        null,
        2,
      ),
      'utf8',
    );
    const signature = { alg: 'EdDSA', kid: this.signing.kid, signature: this.signing.key.sign(manifest).toString('base64url') };
    return [...files, { name: 'manifest.json', content: manifest }, { name: 'manifest.sig', content: Buffer.from(JSON.stringify(signature), 'utf8') }];
  }
}
