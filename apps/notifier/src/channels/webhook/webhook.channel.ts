import type { Clock } from '@countersign/platform/runtime';
import { PermanentDeliveryError, type ChannelNotice, type ChannelOutcome, type ChannelReview, type ReviewChannel } from '../review-channel.js';
import { decidedPayload, noticePayload, requestedPayload, type WebhookPayload } from './webhook-payload.js';
import type { WebhookSigner } from './webhook-signer.js';

export const WEBHOOK_CHANNEL = 'webhook';

export interface WebhookChannelSettings {
  url: string;
  timeoutMs: number;
  policyPublicUrl: string;
}

/** A non-2xx answer or a network failure: the delivery worker retries with backoff. */
export class WebhookDeliveryError extends Error {
  readonly code = 'WEBHOOK_FAILED';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/**
 * POSTs signed JSON events (Standard Webhooks) to one URL: review.requested, review.decided,
 * review.reminder, review.escalated. Receivers vote over the API (the payload's `voteUrl`); there is
 * nothing to click, so progress updates and voter notes have nothing to do here. Each message's
 * `webhook-id` is stable across retries (the delivery, outcome event or notice id) for receivers to
 * deduplicate on.
 */
export class WebhookChannel implements ReviewChannel {
  readonly name = WEBHOOK_CHANNEL;
  readonly external = true;

  constructor(
    private readonly signer: WebhookSigner,
    private readonly settings: WebhookChannelSettings,
    private readonly clock: Clock,
  ) {}

  async post(review: ChannelReview): Promise<string> {
    await this.send(review.deliveryId, requestedPayload(review, this.settings.policyPublicUrl, this.clock.now()));
    return review.deliveryId;
  }

  async showProgress(): Promise<void> {
    // Votes are not announced to webhooks; the outcome is.
  }

  async showOutcome(_ref: string, outcome: ChannelOutcome): Promise<void> {
    await this.send(outcome.eventId, decidedPayload(outcome, this.settings.policyPublicUrl, this.clock.now()));
  }

  async notify(_ref: string, notice: ChannelNotice): Promise<void> {
    await this.send(notice.id, noticePayload(notice, this.settings.policyPublicUrl, this.clock.now()));
  }

  async tellVoter(): Promise<void> {
    // Webhook receivers vote over the API, which answers a refusal directly.
  }

  private async send(id: string, payload: WebhookPayload): Promise<void> {
    const body = JSON.stringify(payload);
    const headers = this.signer.sign(id, this.clock.now(), body);
    let res: Response;
    try {
      res = await fetch(this.settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'countersign-notifier', ...headers },
        body,
        // Standard Webhooks: redirects are not followed (the receiver's URL is the configured one).
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      const why = name === 'TimeoutError' ? `timed out after ${this.settings.timeoutMs} ms` : `failed (${(error as { cause?: { code?: string } }).cause?.code ?? name})`;
      throw new WebhookDeliveryError(`webhook ${payload.type} ${why}`, 0);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 410) throw new PermanentDeliveryError(`webhook receiver answered 410 Gone to ${payload.type}: not sent again`);
    if (res.status < 200 || res.status > 299) throw new WebhookDeliveryError(`webhook receiver answered ${res.status} to ${payload.type}`, res.status);
  }
}
