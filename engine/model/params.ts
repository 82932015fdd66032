/**
 * Named trainable parameters, initialised from the run's seed (in JavaScript, so every backend starts from the
 * same numbers) and serialisable for checkpoints and exported bundles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random.js';

export interface ParameterBlob {
  names: string[];
  shapes: number[][];
  /** All values, concatenated in `names` order. */
  values: Float32Array;
}

export class Parameters {
  private readonly byName = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private add(name: string, shape: number[], fill: (i: number) => number): tf.Variable {
    if (this.byName.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = fill(i);
    const initial = tf.tensor(values, shape, 'float32');
    // tfjs variable names are global to the process: leave them unnamed, the map here holds our names.
    const variable = tf.variable(initial, true);
    initial.dispose();
    this.byName.set(name, variable);
    return variable;
  }

  /** U(-limit, limit): PyTorch's default for recurrent and linear weights is limit = 1/sqrt(fan). */
  uniform(name: string, shape: number[], limit: number): tf.Variable {
    return this.add(name, shape, () => (this.rng.next() * 2 - 1) * limit);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    return this.add(name, shape, () => this.rng.normal() * std);
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, shape, () => 0);
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (v === undefined) throw new Error(`no parameter named ${name}`);
    return v;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get variables(): tf.Variable[] {
    return [...this.byName.values()];
  }

  get count(): number {
    let n = 0;
    for (const v of this.byName.values()) n += v.size;
    return n;
  }

  /** Copy every value out (synchronously; call between steps; not on webgpu: see `serializeAsync`). */
  serialize(): ParameterBlob {
    return this.blob(this.names.map((name) => this.get(name).dataSync() as Float32Array));
  }

  /** `serialize` on any backend, webgpu included (reads without blocking). */
  async serializeAsync(): Promise<ParameterBlob> {
    return this.blob(await Promise.all(this.names.map((name) => this.get(name).data() as Promise<Float32Array>)));
  }

  private blob(parts: Float32Array[]): ParameterBlob {
    const names = this.names;
    const shapes = names.map((n) => this.get(n).shape.slice());
    const values = new Float32Array(this.count);
    let offset = 0;
    for (const data of parts) {
      values.set(data, offset);
      offset += data.length;
    }
    return { names, shapes, values };
  }

  /** Load values saved by `serialize`; names and shapes must match exactly. */
  load(blob: ParameterBlob): void {
    const expected = this.names;
    if (blob.names.length !== expected.length || blob.names.some((n, i) => n !== expected[i])) {
      const missing = expected.filter((n) => !blob.names.includes(n));
      const extra = blob.names.filter((n) => !expected.includes(n));
      throw new Error(
        `saved parameters do not match the model (missing: ${missing.join(', ') || 'none'}; ` +
          `unexpected: ${extra.join(', ') || 'none'})`,
      );
    }
    let offset = 0;
    blob.names.forEach((name, i) => {
      const variable = this.get(name);
      const shape = blob.shapes[i]!;
      if (shape.length !== variable.shape.length || shape.some((d, k) => d !== variable.shape[k])) {
        throw new Error(`parameter ${name}: saved shape [${shape}] does not match the model's [${variable.shape}]`);
      }
      const size = variable.size;
      if (offset + size > blob.values.length) throw new Error(`saved parameters end early at ${name}`);
      const value = tf.tensor(blob.values.slice(offset, offset + size), variable.shape, 'float32');
      variable.assign(value);
      value.dispose();
      offset += size;
    });
    if (offset !== blob.values.length) throw new Error('saved parameters have trailing values');
  }

  dispose(): void {
    for (const v of this.byName.values()) v.dispose();
    this.byName.clear();
  }
}
