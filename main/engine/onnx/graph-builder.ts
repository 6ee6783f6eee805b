// Builds ONNX models in code (protobufjs + the hand-written onnx.proto subset). Used for the tiny
// ViT that tests the ONNX backbone path offline and for the benchmark's ViT-S/14 and ViT-B/8 shapes.
import { AttrType, DataType, modelType } from './onnx-schema.js';

export type Dim = number | string;

export type AttrValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

export const int = (v: number): AttrValue => ({ int: v });
export const float = (v: number): AttrValue => ({ float: v });
export const ints = (v: readonly number[]): AttrValue => ({ ints: v });

interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue) {
  if ('int' in v) return { name, type: AttrType.INT, i: v.int };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: AttrType.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: [...v.floats] };
  return { name, type: AttrType.STRING, s: Buffer.from(v.string, 'utf8') };
}

export class GraphBuilder {
  private readonly nodes: unknown[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: unknown[] = [];
  private readonly outputs: unknown[] = [];
  private counter = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, dims: readonly Dim[], elemType: number = DataType.FLOAT): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: readonly Dim[], elemType: number = DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 constant (weights). */
  floats(prefix: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 constant (shapes, axes, indices). An empty `dims` makes a scalar. */
  int64s(prefix: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [...dims], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    const out = outputName ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** A node with several outputs (TopK's values and indices); returns their names. */
  opOutputs(opType: string, inputs: readonly string[], outputs: number, attrs: Record<string, AttrValue> = {}): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** Serialises the model (ONNX IR 8, default opset). */
  toBytes(options: { opset?: number; producer?: string; metadata?: Record<string, string>; graphName?: string } = {}): Uint8Array {
    const Model = modelType();
    const message = Model.fromObject({
      irVersion: 8,
      producerName: options.producer ?? 'cause-studio',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: options.graphName ?? 'graph',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return Model.encode(message).finish();
  }
}
