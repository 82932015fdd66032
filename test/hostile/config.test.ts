/**
 * Hostile run configs (see README.md here): every path that turns keys into a config object — `--set`, YAML and
 * JSON config files, experiment overrides (dotted keys), configs sent whole — refuses reserved keys (`__proto__`,
 * `constructor`, `toString`, ...) naming the field, and leaves `Object.prototype` as it was; YAML alias bombs,
 * self-aliases, `.nan` and `.inf` are refused with the file, line and field named.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { expandDotted, presetRunConfigs } from '../../engine/compare.js';
import { applyOverrides, DEFAULT_CONFIG, readConfigFile, validateConfig } from '../../engine/config.js';
import { LabError } from '../../engine/errors.js';
import { Store } from '../../engine/store/store.js';
import { runCli } from '../helpers/cli.js';
import { addTinyDataset } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/paths.js';
import { RESERVED_KEYS, watchPrototypes } from './prototype.js';

function refuses(action: () => unknown, pattern: RegExp): void {
  const untouched = watchPrototypes();
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof LabError, `not a LabError: ${String(error)}`);
    assert.equal(error.code, 'invalid-config');
    assert.match(error.message, pattern);
    return true;
  });
  untouched();
}

function configFile(name: string, text: string): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

const escape = (key: string): string => key.replace(/[_$]/g, (c) => `\\${c}`);

describe('hostile: --set', () => {
  it('refuses a reserved name in any part of the key, naming it', () => {
    for (const key of RESERVED_KEYS) {
      for (const field of [`${key}.x`, `model.${key}`, `train.schedule.${key}`, key]) {
        refuses(
          () => applyOverrides({}, [`${field}=5`]),
          new RegExp(`--set ${escape(field)}: "${escape(key)}" is a reserved name`),
        );
      }
    }
  });

  it('refuses a reserved key inside a JSON value', () => {
    refuses(
      () => applyOverrides({}, ['model={"__proto__":{"polluted":1}}']),
      /--set model.*model\.__proto__ is a reserved/,
    );
  });

  it('refuses empty parts', () => {
    refuses(() => applyOverrides({}, ['model..cell=gru']), /--set model\.\.cell: a field name has an empty part/);
  });

  it('the CLI refuses them and stores nothing', async () => {
    const db = path.join(tempDir(), 'experiments.db');
    const store = Store.open(db);
    addTinyDataset(store);
    store.close();
    for (const field of ['__proto__.x', 'model.toString', 'model.constructor']) {
      const created = await runCli([
        'experiment',
        'create',
        '--preset',
        'rnn-gru-attention',
        '--dataset',
        'tiny',
        '--set',
        `${field}=5`,
        '--db',
        db,
      ]);
      assert.equal(created.code, 1, created.stdout + created.stderr);
      assert.match(created.stderr, new RegExp(`--set ${escape(field)}: .*reserved name`));
    }
    const runs = await runCli(['runs', '--json', '--db', db]);
    assert.deepEqual(JSON.parse(runs.stdout), []);
  });
});

describe('hostile: configs sent whole (the app, the API)', () => {
  it('reports a reserved key at any level as an issue naming the field', () => {
    for (const key of RESERVED_KEYS) {
      for (const json of [`{"${key}":5}`, `{"model":{"${key}":5}}`, `{"train":{"schedule":{"${key}":{"x":1}}}}`]) {
        const untouched = watchPrototypes();
        const { config, issues } = validateConfig(JSON.parse(json));
        untouched();
        assert.equal(config, null, json);
        assert.equal(issues.length, 1, json);
        assert.match(issues[0]!.field, new RegExp(`${escape(key)}$`), json);
        assert.match(issues[0]!.message, /is a reserved name/, json);
      }
    }
  });

  it('an inherited name is an unknown field even where only a variant is checked', () => {
    const { issues } = validateConfig({ train: { schedule: { kind: 'toString' } } });
    assert.match(
      issues[0]!.message,
      /train\.schedule\.kind must be one of "constant", "plateau", "warmup-decay", got "toString"/,
    );
  });

  it('names NaN and infinities instead of reporting null', () => {
    const nan = validateConfig({ train: { learningRate: Number.NaN } });
    assert.match(nan.issues[0]!.message, /^train\.learningRate is NaN \(not a number; YAML writes it \.nan\)/);
    const inf = validateConfig({ model: { dropout: Number.POSITIVE_INFINITY } });
    assert.match(inf.issues[0]!.message, /^model\.dropout is infinite/);
  });

  it('refuses a config nested without end, without overflowing the stack', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) deep = { model: deep };
    const { issues } = validateConfig(deep);
    assert.match(issues[0]!.message, /nested more than 64 levels deep/);
  });
});

describe('hostile: experiment overrides', () => {
  it('refuses dotted and nested reserved keys, naming them under "overrides"', () => {
    for (const key of RESERVED_KEYS) {
      refuses(
        () => expandDotted({ [`${key}.authorization`]: 'Bearer T' }),
        new RegExp(`overrides\\.${escape(key)}\\.authorization: "${escape(key)}" is a reserved name`),
      );
      refuses(() => expandDotted({ [`model.${key}`]: 5 }), new RegExp(`overrides\\.model\\.${escape(key)}`));
      refuses(
        () => expandDotted(JSON.parse(`{"model":{"${key}":{"x":1}}}`) as Record<string, unknown>),
        new RegExp(`overrides\\.model\\.${escape(key)} is a reserved name`),
      );
      refuses(() => presetRunConfigs('rnn-gru-attention', 'toy', 1, { [`${key}.x`]: 1 }), new RegExp(escape(key)));
    }
  });

  it('still expands ordinary dotted keys', () => {
    assert.deepEqual(expandDotted({ 'train.steps': 5, 'model.cell': 'lstm' }), {
      train: { steps: 5 },
      model: { cell: 'lstm' },
    });
  });
});

describe('hostile: config files', () => {
  it('refuses a reserved key in YAML with its line, and in JSON with its field', () => {
    for (const key of RESERVED_KEYS) {
      const yaml = configFile('run.yaml', `model:\n  cell: gru\n  ${key}:\n    polluted: 1\n`);
      refuses(() => readConfigFile(yaml), new RegExp(`run\\.yaml, line 3: "${escape(key)}" is a reserved name`));
      const json = configFile('run.json', `{"train": {"${key}": {"polluted": 1}}}`);
      refuses(() => readConfigFile(json), new RegExp(`run\\.json: train\\.${escape(key)} is a reserved name`));
    }
  });

  it('refuses a self-alias with its line, and an alias bomb', () => {
    refuses(
      () => readConfigFile(configFile('self.yaml', 'data:\n  dataset: toy\nmodel: &m\n  cell: gru\n  x: *m\n')),
      /self\.yaml, line 5: the alias \*m is inside its own anchor &m/,
    );
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = i === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'][i - 1]!;
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    refuses(
      () => readConfigFile(configFile('laughs.yaml', laughs.join('\n') + '\n')),
      /laughs\.yaml: its aliases expand to too much data/,
    );
  });

  it('still reads a config that shares a value through an alias', () => {
    const file = configFile('shared.yaml', 'model:\n  hiddenSize: &h 32\n  attentionSize: *h\n');
    assert.deepEqual(readConfigFile(file), { model: { hiddenSize: 32, attentionSize: 32 } });
  });

  it('names .nan and .inf with their field and line', () => {
    refuses(
      () => readConfigFile(configFile('nan.yaml', 'train:\n  learningRate: .nan\n')),
      /nan\.yaml, line 2: train\.learningRate is \.nan, NaN \(not a number\): it must be a finite number/,
    );
    refuses(
      () => readConfigFile(configFile('inf.yaml', 'model:\n  dropout: -.inf\n')),
      /inf\.yaml, line 2: model\.dropout is -\.inf, infinite/,
    );
  });

  it('refuses JSON nested without end, naming the line', () => {
    refuses(
      () => readConfigFile(configFile('deep.json', '{"model":\n' + '['.repeat(50_000) + ']'.repeat(50_000) + '}')),
      /deep\.json, line 2: nested more than 64 levels deep/,
    );
  });

  it('the defaults are untouched by all of the above', () => {
    assert.equal(validateConfig({}).config?.model.cell, DEFAULT_CONFIG.model.cell);
  });
});
