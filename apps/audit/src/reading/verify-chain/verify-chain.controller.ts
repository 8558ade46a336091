import { Controller, Get, Headers } from '@nestjs/common';
import type { VerifyChainResult } from '@countersign/platform/crypto';
import { AuditorAccess } from '../../auth/auditor-access.js';
import { VerifyAuditChain } from './verify-chain.use-case.js';

@Controller('v1/audit')
export class VerifyChainController {
  constructor(
    private readonly access: AuditorAccess,
    private readonly verifyChain: VerifyAuditChain,
  ) {}

  /** 200 either way: a broken chain is the answer to the question, not a failed request. */
  @Get('verify')
  async verify(@Headers('authorization') authorization: string | undefined): Promise<VerifyChainResult> {
    await this.access.authorize(authorization);
    return this.verifyChain.execute();
  }
}
