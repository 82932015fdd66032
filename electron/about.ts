/** The About box's text: the versions a bug report needs, and the compute backend training will use. */
import type { LabInfo } from '../engine/contract/api.js';

export interface AboutFacts {
  appVersion: string;
  versions: { electron?: string; node?: string; chrome?: string };
  /** The lab's own account, or why it could not be asked. */
  info: LabInfo | { error: string };
}

/** The backend `auto` picks: the first available one, in the engine's order of preference. */
export function activeBackend(info: LabInfo): string {
  const available = info.backends.filter((b) => b.available);
  if (available.length === 0) return info.backends.length === 0 ? 'not reported' : 'none available';
  const first = available[0]!;
  return first.detail === '' ? first.name : `${first.name} (${first.detail})`;
}

export function aboutDetail(facts: AboutFacts): string {
  const lines = [
    `mtlab ${facts.appVersion}`,
    `Electron ${facts.versions.electron ?? '?'}`,
    `Node.js ${facts.versions.node ?? '?'}`,
    `Chromium ${facts.versions.chrome ?? '?'}`,
  ];
  if ('error' in facts.info) {
    lines.push(`TensorFlow.js: unknown (${facts.info.error})`);
  } else {
    const info = facts.info;
    lines.push(`TensorFlow.js ${info.tfjsVersion === '' ? 'not reported' : info.tfjsVersion}`);
    lines.push(`Compute backend: ${activeBackend(info)}`);
    const others = info.backends.filter((b) => !b.available);
    for (const backend of others) lines.push(`  ${backend.name}: unavailable (${backend.detail})`);
    lines.push(`Experiment store: ${info.storePath} (schema ${info.schemaVersion})`);
  }
  return lines.join('\n');
}
