/**
 * What a user says about a run: tags to find it by and notes. Checked here, once, for every front end: the HTTP
 * schema checks only their shape and size.
 */
import { MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from '../contract/limits.js';
import { LabError } from '../errors.js';

export { MAX_NOTES_LENGTH, MAX_TAG_LENGTH, MAX_TAGS };

/** Tags as stored: trimmed, inner spaces collapsed, empty ones and repeats dropped, in the order given. */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
    if (tag === '' || out.includes(tag)) continue;
    if (tag.length > MAX_TAG_LENGTH) {
      throw new LabError(
        'invalid-request',
        `tags: "${tag.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters`,
        {
          field: 'tags',
        },
      );
    }
    out.push(tag);
  }
  if (out.length > MAX_TAGS) {
    throw new LabError('invalid-request', `tags: a run has at most ${MAX_TAGS} tags, got ${out.length}`, {
      field: 'tags',
    });
  }
  return out;
}

export function checkNotes(notes: string): string {
  if (notes.length > MAX_NOTES_LENGTH) {
    throw new LabError('invalid-request', `notes: at most ${MAX_NOTES_LENGTH} characters, got ${notes.length}`, {
      field: 'notes',
    });
  }
  return notes;
}

/** A config path a filter may name: dotted identifiers, `model.hiddenSize`. */
export function checkConfigPath(path: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path) || path.length > 200) {
    throw new LabError(
      'invalid-request',
      `config: "${path.slice(0, 60)}" is not a config field (dotted names, as in model.hiddenSize)`,
      { field: 'config' },
    );
  }
  return path;
}
