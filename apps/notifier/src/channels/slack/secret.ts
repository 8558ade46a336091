import { readFile } from 'node:fs/promises';

/** A credential that does not print itself: logs, JSON and util.inspect all see `[redacted]`. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret [redacted]';
  }

  /** Reads a secret file once at boot; a failure names the variable and file, never the content. */
  static async fromFile(variable: string, file: string): Promise<Secret> {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`${variable} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const value = raw.trim();
    if (value.length === 0) throw new Error(`${variable} ${file} is empty`);
    if (/\s/.test(value)) throw new Error(`${variable} ${file} must hold one value without spaces`);
    return new Secret(value);
  }
}
