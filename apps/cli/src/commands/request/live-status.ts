import type { CliIo } from '../../shared/cli-io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface LiveStatusOptions {
  io: CliIo;
  startedAt: number;
  /** Re-read what the line says (who is asked, votes so far) this often while it is shown. */
  refreshMs?: number;
  frameMs?: number;
  now?: () => number;
}

/**
 * The one status line of `request --wait` on a terminal: a spinner, the time waited and what the
 * intent waits for, redrawn in place; the votes are re-read while a review is open, since a vote does
 * not change the intent's state. Off a terminal the command prints one line per change instead.
 */
export class LiveStatus {
  private text = 'submitting…';
  private frame = 0;
  private timers: NodeJS.Timeout[] = [];
  private refresh: (() => Promise<string>) | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: LiveStatusOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timers.push(setInterval(() => this.draw(), this.opts.frameMs ?? 100));
    this.timers.push(
      setInterval(() => {
        void this.refresh?.().then(
          (text) => this.show(text),
          () => undefined,
        );
      }, this.opts.refreshMs ?? 2_000),
    );
    for (const t of this.timers) t.unref();
    this.draw();
  }

  /** What the line says now, and how to re-read it (null: nothing changes until the next state). */
  update(text: string, refresh: (() => Promise<string>) | null): void {
    this.refresh = refresh ?? undefined;
    this.show(text);
  }

  /** Clears the line; `last` stays on screen as an ordinary line. */
  stop(last?: string): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.opts.io.writeErr('\r\x1b[2K');
    if (last) this.opts.io.err(last);
  }

  /** What stays on screen afterwards: `[1m05s] <the last text>`. */
  summary(): string {
    return `[${elapsed(this.now() - this.opts.startedAt)}] ${this.text}`;
  }

  line(): string {
    return `${FRAMES[this.frame % FRAMES.length]} ${elapsed(this.now() - this.opts.startedAt)} ${this.text}`;
  }

  private show(text: string): void {
    this.text = text;
    this.draw();
  }

  private draw(): void {
    this.frame++;
    this.opts.io.writeErr(`\r\x1b[2K${this.line()}`);
  }
}
