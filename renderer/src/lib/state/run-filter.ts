/**
 * The runs table's filter box: plain words (matched against a run's name, architecture, dataset, status, backend,
 * experiment and tags), `tag:NAME` (a tag the run has; `tag:"lr sweep"` for one with a space) and `field=value` (a
 * config field, by dotted path: `model.hiddenSize=256`, `train.learningRate=0.001`, `model.bidirectional=true`),
 * which the lab answers from the stored configs.
 */
export interface RunFilter {
  words: string[];
  tags: string[];
  config: Record<string, string | number | boolean>;
}

const TERM = /(?:[^\s"]+|"[^"]*"?)+/g;
const unquote = (text: string): string => text.replace(/"/g, '');

/** `"256"` → 256, `"true"` → true, anything else stays text (quotes dropped). */
function configValue(text: string): string | number | boolean {
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text)) return Number(text);
  return unquote(text);
}

export function parseRunFilter(text: string): RunFilter {
  const filter: RunFilter = { words: [], tags: [], config: {} };
  for (const term of text.match(TERM) ?? []) {
    const tag = /^tag:(.+)$/i.exec(term);
    const field = /^([A-Za-z][\w.]*)=(.+)$/.exec(term);
    if (tag !== null) filter.tags.push(unquote(tag[1]!));
    else if (field !== null) filter.config[field[1]!] = configValue(field[2]!);
    else filter.words.push(unquote(term).toLowerCase());
  }
  filter.words = filter.words.filter((w) => w !== '');
  return filter;
}
