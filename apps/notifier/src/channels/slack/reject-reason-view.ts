import type { ModalView } from '@slack/types';

export const REJECT_VIEW_CALLBACK = 'countersign_reject_reason';
export const REASON_BLOCK = 'reason';
export const REASON_ACTION = 'reason';
export const REASON_MAX = 2000;

/**
 * Policy refuses a reject without a reason, so Reject opens this modal first; its submission is the
 * vote. `private_metadata` carries the same `<reviewId>.<nonce>` as the button, nothing more.
 */
export function rejectReasonView(buttonValue: string, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_VIEW_CALLBACK,
    private_metadata: buttonValue,
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'plain_text', text: summary.slice(0, 3000) } },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why do you reject it?' },
        element: { type: 'plain_text_input', action_id: REASON_ACTION, multiline: true, min_length: 1, max_length: REASON_MAX },
      },
    ],
  };
}
