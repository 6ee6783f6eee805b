// The one contract: every engine method, declared once. Domain files add their methods here.
import type { z } from 'zod';
import type { CancelSignal, MethodSpec } from './define.js';
import type { StudioEvent } from './events.js';
import { engineMethods } from './engine.js';
import { jobMethods } from './jobs.js';
import { backboneMethods } from './backbones.js';
import { datasetMethods } from './datasets.js';
import { evaluationMethods } from './evaluation.js';
import { mappingMethods } from './mapping.js';
import { synthMethods } from './synth.js';
import { exportMethods } from './exports.js';
import { experimentMethods } from './experiments.js';
import { conceptMethods } from './concepts.js';
import { pretrainMethods } from './pretrain.js';
import { studyMethods } from './study.js';
import { poolMethods } from './pool.js';

export const contract = {
  ...engineMethods,
  ...jobMethods,
  ...backboneMethods,
  ...datasetMethods,
  ...evaluationMethods,
  ...mappingMethods,
  ...synthMethods,
  ...exportMethods,
  ...experimentMethods,
  ...conceptMethods,
  ...pretrainMethods,
  ...studyMethods,
  ...poolMethods,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
type SpecOf<M extends MethodName> = Contract[M];
export type ArgsOf<M extends MethodName> =
  SpecOf<M> extends MethodSpec<infer A, unknown> ? z.input<A> : never;
export type ParsedArgsOf<M extends MethodName> =
  SpecOf<M> extends MethodSpec<infer A, unknown> ? z.output<A> : never;
export type ResultOf<M extends MethodName> = SpecOf<M> extends MethodSpec<z.ZodType, infer R> ? R : never;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** What a client (renderer, CLI, tests) can do with an engine, whatever the transport. */
export interface StudioClient {
  call<M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: CancelSignal }): Promise<ResultOf<M>>;
  onEvent(listener: (event: StudioEvent) => void): () => void;
}

export * from './define.js';
export * from './errors.js';
export * from './events.js';
export * from './wire.js';
export type { EngineInfo, WorkspaceInfo, ComputeBackendInfo } from './engine.js';
export type { JobSummary, JobDetail } from './jobs.js';
export type { DatasetSummary, DatasetDetail, SequenceSummary, FrameSummary, FramePage, PreflightReport, PreflightIssue, ProtocolSummary } from './datasets.js';
export type { EvalReport, EvalHistogramSummary, EvalHistogramData, MappingSummary, MappingDetail, LabelFreeReport, RunComparisonReport } from './evaluation.js';
