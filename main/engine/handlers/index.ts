// Every contract method's implementation. The mapped type makes a missing handler a compile error.
import type { MethodName } from '../../../shared/contract/index.js';
import { engineHandlers } from './engine.js';
import type { Handler } from './handler-types.js';
import { jobHandlers } from './jobs.js';
import { backboneHandlers } from './backbones.js';
import { datasetHandlers } from './datasets.js';
import { evaluationHandlers } from './evaluation.js';
import { mappingHandlers } from './mapping.js';
import { synthHandlers } from './synth.js';
import { exportHandlers } from './exports.js';
import { experimentHandlers } from './experiments.js';
import { conceptHandlers } from './concepts.js';
import { pretrainHandlers } from './pretrain.js';
import { studyHandlers } from './studies.js';
import { poolHandlers } from './pool.js';

export const handlers: { readonly [M in MethodName]: Handler<M> } = {
  ...engineHandlers,
  ...jobHandlers,
  ...backboneHandlers,
  ...datasetHandlers,
  ...evaluationHandlers,
  ...mappingHandlers,
  ...synthHandlers,
  ...exportHandlers,
  ...experimentHandlers,
  ...conceptHandlers,
  ...pretrainHandlers,
  ...studyHandlers,
  ...poolHandlers,
};
