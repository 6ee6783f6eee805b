import * as ort from 'onnxruntime-node';
import { buildVitModel } from '../../main/engine/onnx/vit-model.js';
const bytes = buildVitModel({ patchSize: 8, dim: 32, depth: 2, heads: 4, registers: 4 });
for (const ep of ['cuda','dml','coreml','webgpu','tensorrt']) {
  try { await ort.InferenceSession.create(bytes, { executionProviders: [ep] }); console.log(ep, 'ok'); }
  catch (e) { console.log(ep, 'ERR', (e as Error).message.slice(0,300)); }
}
const t = bytes.slice(0, bytes.length/2);
try { await ort.InferenceSession.create(t); } catch (e) { console.log('trunc', (e as Error).message.slice(0,300)); }
