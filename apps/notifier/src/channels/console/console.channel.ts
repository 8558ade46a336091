import type { ReviewChannel } from '../review-channel.js';

/**
 * The review waits in the web console and the API, which list pending reviews and read outcomes and
 * refusals from their own sources: there is nothing to send, update or tell.
 */
export class ConsoleChannel implements ReviewChannel {
  readonly name = 'console';
  readonly external = false;

  async post(): Promise<null> {
    return null;
  }

  async showProgress(): Promise<void> {
    // The console renders votes from the API on every read.
  }

  async showOutcome(): Promise<void> {
    // The console reads the outcome from the intent's state.
  }

  async notify(): Promise<void> {
    // Pending reviews are listed by the console with their expiry and the groups that may vote.
  }

  async tellVoter(): Promise<void> {
    // API and console votes get their refusal in the HTTP answer.
  }
}
