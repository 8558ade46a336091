import { describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { Ed25519Key } from './ed25519-key.js';

const key = Ed25519Key.generate();
const other = Ed25519Key.generate();
const checkpoint = { origin: 'countersign.example/audit', size: 42, root: Buffer.alloc(32, 7) };

describe('signed checkpoints (C2SP signed-note)', () => {
  it('round-trips: the note verifies with the log key and yields size and root', () => {
    const note = signCheckpoint(key, checkpoint);
    expect(note.split('\n').slice(0, 4)).toEqual(['countersign.example/audit', '42', Buffer.alloc(32, 7).toString('base64'), '']);
    expect(note).toMatch(/\n— countersign\.example\/audit [A-Za-z0-9+/]+=*\n$/);
    expect(verifyCheckpoint(note, key.publicJwk(), checkpoint.origin)).toEqual(checkpoint);
  });

  it('refuses another key, another origin, and any edited line', () => {
    const note = signCheckpoint(key, checkpoint);
    expect(verifyCheckpoint(note, other.publicJwk(), checkpoint.origin)).toBeNull();
    expect(verifyCheckpoint(note, key.publicJwk(), 'someone.else/log')).toBeNull();
    expect(verifyCheckpoint(note.replace('\n42\n', '\n43\n'), key.publicJwk(), checkpoint.origin)).toBeNull();
    const root = Buffer.alloc(32, 7).toString('base64');
    expect(verifyCheckpoint(note.replace(root, Buffer.alloc(32, 8).toString('base64')), key.publicJwk(), checkpoint.origin)).toBeNull();
    expect(verifyCheckpoint('not a note', key.publicJwk(), checkpoint.origin)).toBeNull();
  });
});
