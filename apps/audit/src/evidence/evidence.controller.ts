import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ZipArchive } from 'archiver';
import { z } from 'zod';
import { ApiError } from '@countersign/platform/nest';
import { AuditorAccess } from '../auth/auditor-access.js';
import { BuildEvidence } from './build-evidence.use-case.js';
import { SummarizeEvidence, type EvidenceSummary } from './summarize-evidence.use-case.js';

const Period = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .refine((p) => new Date(p.from) < new Date(p.to), { message: 'from must be before to', path: ['to'] });

function parsePeriod(query: unknown): { from: Date; to: Date } {
  const parsed = Period.safeParse(query);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ApiError('VALIDATION_FAILED', 400, `invalid query: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return { from: new Date(parsed.data.from), to: new Date(parsed.data.to) };
}

interface ZipResponse extends NodeJS.WritableStream {
  setHeader(name: string, value: string): unknown;
}

@Controller('v1')
export class EvidenceController {
  constructor(
    private readonly access: AuditorAccess,
    private readonly build: BuildEvidence,
    private readonly summarize: SummarizeEvidence,
  ) {}

  /** The report's figures and exceptions for a period, as JSON (the console's auditor view). */
  @Get('evidence/summary')
  async summary(@Headers('authorization') authorization: string | undefined, @Query() query: unknown): Promise<EvidenceSummary> {
    await this.access.authorize(authorization);
    const { from, to } = parsePeriod(query);
    return this.summarize.execute(from, to);
  }

  /** A ZIP: population.csv, events.jsonl (with inclusion proofs), checkpoint.txt, keys.json, report.html, manifest.json + .sig. */
  @Get('evidence')
  async evidence(@Headers('authorization') authorization: string | undefined, @Query() query: unknown, @Res() res: ZipResponse): Promise<void> {
    await this.access.authorize(authorization);
    const { from, to } = parsePeriod(query);
    const files = await this.build.execute(from, to);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="evidence-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.zip"`);
    res.setHeader('Cache-Control', 'no-store');
    const zip = new ZipArchive({ zlib: { level: 6 } });
    zip.pipe(res);
    for (const file of files) zip.append(file.content, { name: file.name, date: new Date(0) });
    await zip.finalize();
  }
}
