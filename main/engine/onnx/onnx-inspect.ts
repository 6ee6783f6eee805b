// Reads an ONNX file's graph (not its weights' values) to learn what ONNX Runtime's metadata does not
// say: the patch size (the stride of the patch-embedding convolution), external-data files, metadata.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { modelType } from './onnx-schema.js';

export interface OnnxGraphInfo {
  /** Stride of the first convolution whose kernel equals its stride (a ViT patch embedding). */
  readonly patchSize: number | null;
  /** Files next to the model holding external tensor data (large exports). */
  readonly externalFiles: readonly string[];
  /** Every tensor stored outside the file: where, as written in the graph (checked before loading). */
  readonly externalData: readonly { tensor: string; location: string; offset: number; length: number | null }[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly producer: string;
  readonly nodeCount: number;
  /** Distinct operator types of the graph (e.g. to find random draws in a forward). */
  readonly opTypes: readonly string[];
}

interface Attr { name?: string; ints?: (number | { toNumber(): number })[] }
interface Node { opType?: string; input?: string[]; attribute?: Attr[] }
interface Tensor { name?: string; dims?: (number | { toNumber(): number })[]; dataLocation?: number; externalData?: { key: string; value: string }[] }

const num = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

export function inspectOnnx(file: string, bytes?: Uint8Array): OnnxGraphInfo {
  let buf: Uint8Array;
  try {
    buf = bytes ?? fs.readFileSync(file);
  } catch (e) {
    throw new StudioError('not_found', `${file}: cannot read model (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
  let model: {
    graph?: { node?: Node[]; initializer?: Tensor[] };
    metadataProps?: { key: string; value: string }[];
    producerName?: string;
  };
  try {
    model = modelType().decode(buf) as unknown as typeof model;
  } catch (e) {
    throw new StudioError('invalid_input', `${file}: not a readable ONNX model (truncated or not ONNX: ${(e as Error).message})`, {
      file,
    });
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new StudioError('invalid_input', `${file}: not an ONNX model (no graph)`, { file });
  }
  const inits = new Map((model.graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  let patchSize: number | null = null;
  for (const node of model.graph.node) {
    if (node.opType !== 'Conv') continue;
    const attr = (n: string) => node.attribute?.find((a) => a.name === n)?.ints?.map(num);
    const strides = attr('strides');
    let kernel = attr('kernel_shape');
    if (!kernel) {
      const w = inits.get(node.input?.[1] ?? '');
      kernel = w?.dims?.map(num).slice(2);
    }
    if (strides && kernel && strides.length === 2 && kernel.length === 2 && strides[0] === kernel[0] && strides[1] === kernel[1] && strides[0]! > 1) {
      patchSize = strides[0]!;
      break;
    }
  }
  const externalFiles = new Set<string>();
  const externalData: { tensor: string; location: string; offset: number; length: number | null }[] = [];
  for (const t of model.graph.initializer ?? []) {
    if (t.dataLocation === 1) {
      const field = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
      const loc = field('location');
      if (loc) externalFiles.add(path.normalize(loc));
      const length = field('length');
      externalData.push({ tensor: t.name ?? '', location: loc ?? '', offset: Number(field('offset') ?? 0), length: length === undefined ? null : Number(length) });
    }
  }
  return {
    patchSize,
    externalFiles: [...externalFiles],
    externalData,
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value])),
    producer: model.producerName ?? '',
    nodeCount: model.graph.node.length,
    opTypes: [...new Set(model.graph.node.map((n) => n.opType ?? ''))].filter(Boolean).sort(),
  };
}
