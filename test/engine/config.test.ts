import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  applyOverrides,
  DEFAULT_CONFIG,
  listPresets,
  presetOverrides,
  readConfigFile,
  requireValidConfig,
  validateConfig,
} from '../../engine/config.js';
import type { LabError } from '../../engine/errors.js';
import { tempDir } from '../helpers/paths.js';

const messages = (input: unknown): string[] => validateConfig(input).issues.map((i) => i.message);

describe('run config', () => {
  it('the defaults and every preset are valid', () => {
    assert.deepEqual(validateConfig({}).config, DEFAULT_CONFIG);
    const presets = listPresets();
    assert.deepEqual(
      presets.map((p) => p.name),
      ['rnn', 'gru', 'lstm', 'gru-bahdanau', 'lstm-luong'],
    );
    assert.equal(presets.find((p) => p.name === 'rnn')!.config.model.cell, 'rnn');
    assert.equal(presets.find((p) => p.name === 'lstm-luong')!.config.model.attention, 'luong');
  });

  it('names the field and what it may be', () => {
    assert.deepEqual(messages({ model: { cell: 'transformer' } }), [
      'model.cell must be one of "rnn", "gru", "lstm", got "transformer"',
    ]);
    assert.match(messages({ model: { layers: 7 } })[0]!, /^model\.layers must be .*4.*got 7/);
    assert.match(messages({ train: { learningRate: 0 } })[0]!, /^train\.learningRate/);
    assert.match(messages({ model: { hidden: 3 } })[0]!, /^unknown field model\.hidden \(model has: cell, /);
    assert.throws(
      () => requireValidConfig({ decode: { beamSize: 'five' } }, 'my.yaml'),
      (error: LabError) =>
        error.code === 'invalid-config' && /invalid my\.yaml:\n {2}- decode\.beamSize/.test(error.message),
    );
  });

  it('refuses an object where a value goes, and a value where an object goes', () => {
    // Before the config had a schema for its shape, these were taken as valid configs.
    assert.deepEqual(messages({ model: { cell: { name: 'gru' } } }), [
      'model.cell must be one of "rnn", "gru", "lstm", got {"name":"gru"}',
    ]);
    assert.deepEqual(messages({ train: { schedule: 'cosine' } }), ['train.schedule must be an object, got "cosine"']);
    assert.deepEqual(messages({ train: { teacherForcingDecay: null } }), [
      'train.teacherForcingDecay must be an object, got null',
    ]);
  });

  it('tunes the default schedule field by field, and a new kind starts from its own defaults', () => {
    const warm = validateConfig(applyOverrides({}, ['train.schedule.warmupSteps=200'])).config!;
    assert.deepEqual(warm.train.schedule, { ...DEFAULT_CONFIG.train.schedule, warmupSteps: 200 });

    const plateau = validateConfig(applyOverrides({}, ['train.schedule.kind=plateau', 'train.schedule.patience=3']));
    assert.deepEqual(plateau.config!.train.schedule, {
      kind: 'plateau',
      factor: 0.5,
      patience: 3,
      minLearningRate: 1e-5,
    });
    assert.deepEqual(validateConfig(applyOverrides({}, ['train.schedule.kind=constant'])).config!.train.schedule, {
      kind: 'constant',
    });
    // A field of another kind is an error when given with that kind.
    assert.match(
      messages({ train: { schedule: { kind: 'constant', warmupSteps: 5 } } })[0]!,
      /unknown field train\.schedule\.warmupSteps/,
    );
    const decay = validateConfig(applyOverrides({}, ['train.teacherForcingDecay.kind=linear'])).config!;
    assert.deepEqual(decay.train.teacherForcingDecay, { kind: 'linear', endRatio: 0.5, steps: 2000 });
  });

  it('layers --set values over a preset, parsing JSON where it parses', () => {
    const config = applyOverrides(presetOverrides('gru'), [
      'train.steps=500',
      'model.bidirectional=true',
      'data.dataset=my data',
      'train.earlyStopping={"metric":"bleu","patience":2}',
    ]);
    const valid = requireValidConfig(config);
    assert.equal(valid.model.cell, 'gru');
    assert.equal(valid.train.steps, 500);
    assert.equal(valid.model.bidirectional, true);
    assert.equal(valid.data.dataset, 'my data');
    assert.deepEqual(valid.train.earlyStopping, { metric: 'bleu', patience: 2 });
    assert.throws(() => applyOverrides({}, ['model.cell']), /--set expects key=value/);
  });

  it('reads YAML and JSON files, naming the file and line of a syntax error', () => {
    const dir = tempDir();
    const yaml = path.join(dir, 'run.yaml');
    writeFileSync(yaml, 'model:\n  cell: lstm\ntrain:\n  steps: 10\n');
    assert.deepEqual(readConfigFile(yaml), { model: { cell: 'lstm' }, train: { steps: 10 } });
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'model:\n  cell: lstm\n  hidden: [1, 2\n');
    assert.throws(() => readConfigFile(broken), /^LabError: broken\.yaml, line 3: /);
    const json = path.join(dir, 'run.json');
    writeFileSync(json, '{"model": {"cell": "gru"}');
    assert.throws(() => readConfigFile(json), /run\.json: invalid JSON/);
    const list = path.join(dir, 'list.yaml');
    writeFileSync(list, '- 1\n- 2\n');
    assert.throws(() => readConfigFile(list), /list\.yaml: a config file must hold a mapping/);
  });
});
