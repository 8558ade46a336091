import { readFile } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';

const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** Standard Webhooks headers of one message. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs outgoing webhook messages per the Standard Webhooks convention with its reference library:
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. The secret stays
 * inside the library object; this class prints as `[redacted]`.
 */
export class WebhookSigner {
  readonly #webhook: Webhook;

  private constructor(webhook: Webhook) {
    this.#webhook = webhook;
  }

  /** `whsec_<base64>` of 24 to 64 bytes, as the convention asks; anything else is refused (naming nothing of the value). */
  static fromSecret(secret: string, variable = 'WEBHOOK_SECRET_FILE'): WebhookSigner {
    const m = SECRET.exec(secret);
    const bytes = m?.[1] ? Buffer.from(m[1], 'base64').length : 0;
    if (!m || bytes < 24 || bytes > 64) {
      throw new Error(`${variable} must hold a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 random bytes`);
    }
    return new WebhookSigner(new Webhook(secret));
  }

  static async fromFile(variable: string, file: string): Promise<WebhookSigner> {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`${variable} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return WebhookSigner.fromSecret(raw.trim(), `${variable} ${file}`);
  }

  sign(id: string, at: Date, body: string): SignedHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.#webhook.sign(id, at, body),
    };
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'WebhookSigner [redacted]';
  }
}
