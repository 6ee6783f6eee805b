// The one place that picks a training part's engine: onnxruntime unless told 'tfjs'; on a session that
// cannot open, tfjs with a log line ('auto') or the error ('onnxruntime'); no warning when the engine
// simply has no such part (onnxruntime's teacher forward for the MLP head).
import { describe, expect, it } from 'vitest';
import { openPart } from '../../../main/engine/cause/engines/select.js';
import type { EngineChoice, StepEngine } from '../../../main/engine/cause/engines/step-engine.js';

type Part = { readonly engine: string; release(): Promise<void> };
const part = (engine: string): Part => ({ engine, release: () => Promise.resolve() });

/** A stand-in engine whose Step 1 opens, fails to open, or does not exist. */
function engine(name: 'onnxruntime' | 'tfjs', step1: 'opens' | 'fails' | 'absent'): StepEngine {
  const open = () =>
    step1 === 'fails' ? Promise.reject(new Error('no session\nstack')) : Promise.resolve(step1 === 'absent' ? null : (part(name === 'tfjs' ? 'tfjs' : 'onnxruntime-cpu') as never));
  return { name, openStep1: open, openStep2: open, openTeacherForward: open } as unknown as StepEngine;
}

async function pick(want: EngineChoice, ort: 'opens' | 'fails' | 'absent') {
  const logs: string[] = [];
  const p = await openPart({ label: 'Step 1', want, log: (m) => logs.push(m) }, engine('onnxruntime', ort), engine('tfjs', 'opens'), (e) => e.openStep1(undefined as never) as Promise<Part | null>);
  return { engine: p.engine, logs };
}

describe('openPart', () => {
  it('prefers onnxruntime and says so', async () => {
    expect(await pick('auto', 'opens')).toEqual({ engine: 'onnxruntime-cpu', logs: ['Step 1 engine: onnxruntime-cpu'] });
  });
  it('falls back to tfjs with a log line when the session cannot open', async () => {
    expect(await pick('auto', 'fails')).toEqual({
      engine: 'tfjs',
      logs: ['Step 1 on onnxruntime unavailable (no session); using tfjs', 'Step 1 engine: tfjs'],
    });
  });
  it("fails instead when onnxruntime is required, and never opens it when told 'tfjs'", async () => {
    await expect(pick('onnxruntime', 'fails')).rejects.toThrow(/no session/);
    expect(await pick('tfjs', 'fails')).toEqual({ engine: 'tfjs', logs: [] });
  });
  it('uses tfjs silently when onnxruntime has no such part', async () => {
    expect(await pick('auto', 'absent')).toEqual({ engine: 'tfjs', logs: [] });
  });
});
