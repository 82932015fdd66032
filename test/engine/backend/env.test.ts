import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/engine/backend/ → dist/engine/backend/
const backendDir = fileURLToPath(new URL('../../../engine/backend/', import.meta.url));

/** What a fresh process reports about the addon and the tensorflow backend under `env`, and what it warns. */
function probe(env: Record<string, string>): { addon: string; tensorflow: string; stderr: string } {
  const script = `
    const { describeAddon } = await import(${JSON.stringify(backendDir + 'addon.js')});
    const { describeBackends } = await import(${JSON.stringify(backendDir + 'select.js')});
    const tensorflow = (await describeBackends()).find((b) => b.name === 'tensorflow');
    process.stdout.write(JSON.stringify({ addon: describeAddon().detail, tensorflow: tensorflow.detail }));`;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MTLAB_')));
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return { ...(JSON.parse(result.stdout) as { addon: string; tensorflow: string }), stderr: result.stderr };
}

describe('backend switches: one variable per thing, =0 turns it off', () => {
  it('MTLAB_ADDON=0 leaves the C++ addon out and MTLAB_TENSORFLOW=0 the tfjs-node backend, without warnings', () => {
    const off = probe({ MTLAB_ADDON: '0', MTLAB_TENSORFLOW: '0' });
    assert.equal(off.addon, 'turned off by MTLAB_ADDON=0');
    assert.match(off.tensorflow, /turned off by MTLAB_TENSORFLOW=0/);
    assert.doesNotMatch(off.stderr, /Deprecation/);
  });

  it('the former names still work, each with one deprecation warning naming its successor', () => {
    const old = probe({ MTLAB_NATIVE: '0', MTLAB_NO_NATIVE: '1' });
    assert.equal(old.addon, 'turned off by MTLAB_ADDON=0');
    assert.match(old.tensorflow, /turned off by MTLAB_TENSORFLOW=0/);
    assert.match(old.stderr, /MTLAB_NATIVE is deprecated: use MTLAB_ADDON/);
    assert.match(old.stderr, /MTLAB_NO_NATIVE is deprecated: use MTLAB_TENSORFLOW/);
    assert.equal(old.stderr.match(/MTLAB_NATIVE is deprecated/g)?.length, 1);
  });

  it('the new name wins over the former one, and other values leave things on', () => {
    const both = probe({ MTLAB_ADDON: '1', MTLAB_NATIVE: '0', MTLAB_TENSORFLOW: '1', MTLAB_NO_NATIVE: '0' });
    assert.doesNotMatch(both.addon, /turned off/);
    assert.doesNotMatch(both.tensorflow, /turned off/);
    assert.doesNotMatch(both.stderr, /Deprecation/);
  });
});
