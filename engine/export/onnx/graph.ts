/**
 * A small builder of ONNX graphs over the protobuf classes of the `onnx-proto` package (generated from ONNX's own
 * onnx.proto by protobufjs): initializers, nodes, typed inputs and outputs with named (dynamic) dimensions, and
 * the serialised ModelProto. Nothing here knows about mtlab's model: engine/export/onnx/seq2seq.ts builds the
 * encoder and decoder-step graphs with it.
 */
import onnxProto, { type onnx as proto } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX IR version 8 (ONNX 1.10, the onnx.proto that onnx-proto was generated from), operator set 15. */
export const IR_VERSION = 8;
export const OPSET = 15;

export type ElementType = 'float32' | 'int64' | 'int32';
const ELEMENT_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
};

/** A dimension: a size, or a name for a size known only at run time ("batch", "source_length"). */
export type Dim = number | string;

export interface ValueDescription {
  name: string;
  type: ElementType;
  dims: Dim[];
  /** What the value is, for people reading the graph (its doc_string). */
  doc: string;
}

export type AttributeValue = number | string | number[] | { float: number };

function attribute(name: string, value: AttributeValue): proto.IAttributeProto {
  const type = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: type.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: type.INTS, ints: value };
  if (typeof value === 'object') return { name, type: type.FLOAT, f: value.float };
  if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer (use { float })`);
  return { name, type: type.INT, i: value };
}

function valueInfo(value: ValueDescription): proto.IValueInfoProto {
  return {
    name: value.name,
    docString: value.doc,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[value.type],
        shape: { dim: value.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function littleEndian(values: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  // Typed arrays are in the platform's byte order; ONNX's raw_data is little-endian (every platform Node runs on).
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

export class GraphBuilder {
  private readonly nodes: proto.INodeProto[] = [];
  private readonly initializers: proto.ITensorProto[] = [];
  private readonly inputs: proto.IValueInfoProto[] = [];
  private readonly outputs: proto.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;
  /** Small constants (axes, shapes) by value: one initializer each however often a graph uses them. */
  private readonly constants = new Map<string, string>();
  /** Bytes of initializer data so far. */
  bytes = 0;
  /** The graph's inputs and outputs as declared, for the manifest and the model card. */
  readonly interface: { inputs: ValueDescription[]; outputs: ValueDescription[] } = { inputs: [], outputs: [] };

  private fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  input(value: ValueDescription): string {
    this.inputs.push(valueInfo(value));
    this.interface.inputs.push(value);
    this.used.add(value.name);
    return value.name;
  }

  output(value: ValueDescription, from: string): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [value.name], name: this.fresh(`out_${value.name}`) });
    this.used.add(value.name);
    this.outputs.push(valueInfo(value));
    this.interface.outputs.push(value);
  }

  /** A float32 initializer (a weight), row-major. */
  weight(name: string, dims: number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length) throw new Error(`initializer ${name}: ${values.length} values for shape [${dims}]`);
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dims, dataType: ELEMENT_TYPES.float32, rawData: littleEndian(values) });
    this.bytes += values.byteLength;
    return unique;
  }

  /** An int64 initializer (shapes, axes, split sizes). */
  int64s(name: string, values: readonly number[], dims: number[] = [values.length]): string {
    const key = `${name}:int64:${values.join(',')}:[${dims.join(',')}]`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const unique = this.fresh(name);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name: unique, dims, dataType: ELEMENT_TYPES.int64, rawData: littleEndian(data) });
    this.constants.set(key, unique);
    return unique;
  }

  /** A float32 scalar initializer. */
  scalar(name: string, value: number): string {
    const key = `${name}:float32:${value}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const unique = this.fresh(name);
    this.initializers.push({
      name: unique,
      dims: [],
      dataType: ELEMENT_TYPES.float32,
      rawData: littleEndian(Float32Array.of(value)),
    });
    this.constants.set(key, unique);
    return unique;
  }

  /**
   * A node; returns its outputs' names (`outputs` names them, or says how many to make). An empty input name is
   * ONNX's "optional input left out".
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputs: number | readonly string[] = 1,
  ): string[] {
    const base = opType.toLowerCase();
    const names =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? base : `${base}_out${i}`))
        : outputs.map((o) => (o === '' ? '' : this.fresh(o)));
    this.nodes.push({
      opType,
      name: this.fresh(`${base}_node`),
      input: [...inputs],
      output: names,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  /** `node` with one output. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.node(opType, inputs, attributes, 1)[0]!;
  }

  graph(name: string, doc: string): proto.IGraphProto {
    return {
      name,
      docString: doc,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}

export interface ModelInfo {
  producerVersion: string;
  doc: string;
  metadata: Record<string, string>;
}

/** The serialised ModelProto of one graph. */
export function encodeModel(graph: proto.IGraphProto, info: ModelInfo): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'mtlab',
    producerVersion: info.producerVersion,
    docString: info.doc,
    graph,
    metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
  });
  const problem = onnx.ModelProto.verify(model);
  if (problem !== null) throw new Error(`the ONNX model is malformed: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/** A parsed ModelProto (for tests and checks). */
export function decodeModel(bytes: Uint8Array): proto.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
