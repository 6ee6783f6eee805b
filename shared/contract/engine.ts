// Engine-level methods: who am I, where is my workspace, what can this machine compute with.
import { z } from 'zod';
import { method } from './define.js';

export interface ComputeBackendInfo {
  /** e.g. 'onnxruntime' or 'tfjs' */
  readonly name: string;
  readonly available: boolean;
  /** e.g. ['cpu'] or ['cuda', 'cpu'] for ORT; ['wasm', 'cpu'] for tfjs. */
  readonly providers: readonly string[];
  readonly detail?: string;
}

export interface EngineInfo {
  readonly version: string;
  readonly workspace: string;
  readonly databasePath: string;
  readonly schemaVersion: number;
  readonly backends: readonly ComputeBackendInfo[];
  readonly platform: string;
  readonly cpus: number;
}

export interface WorkspaceInfo {
  readonly path: string;
  readonly workspaceId: string;
  readonly createdAt: string;
  readonly schemaVersion: number;
  readonly engineVersion: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly diskFreeBytes: number | null;
}

export const engineMethods = {
  'engine.info': method<EngineInfo>()(z.object({}).strict()),
  'workspace.info': method<WorkspaceInfo>()(z.object({}).strict()),
  'settings.get': method<{ key: string; value: unknown }>()(z.object({ key: z.string().min(1) }).strict()),
  'settings.set': method<{ key: string; value: unknown }>()(
    z.object({ key: z.string().min(1), value: z.unknown() }).strict(),
  ),
  'settings.list': method<{ key: string; value: unknown }[]>()(z.object({}).strict()),
};
