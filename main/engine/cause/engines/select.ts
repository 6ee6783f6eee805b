// The one place that picks the engine of a training part and falls back: onnxruntime unless told
// 'tfjs'; when its session cannot open, tfjs with a log line ('auto') or the error ('onnxruntime').
// The teacher forward also falls back at run time, on the same draws (withRunFallback).
import { ortEngine } from './ort-engine.js';
import type { EngineChoice, EngineContext, Step1Part, Step2Part, StepEngine, TeacherForward } from './step-engine.js';
import { tfjsEngine } from './tfjs-engine.js';

export interface PartChoice {
  /** How the part is named in log lines, e.g. 'Step 2'. */
  readonly label: string;
  readonly want: EngineChoice;
  readonly log?: (message: string) => void;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Opens one part on `preferred` (onnxruntime) unless `want` is 'tfjs', else on `fallback` (tfjs).
 * `open` returning null means the engine offers no such part (not a failure: no warning).
 */
export async function openPart<P extends { readonly engine: string }>(
  choice: PartChoice,
  preferred: StepEngine,
  fallback: StepEngine,
  open: (engine: StepEngine) => Promise<P | null>,
): Promise<P> {
  if (choice.want !== 'tfjs') {
    let part: P | null = null;
    let failed = false;
    try {
      part = await open(preferred);
    } catch (e) {
      if (choice.want === 'onnxruntime') throw e;
      choice.log?.(`${choice.label} on ${preferred.name} unavailable (${firstLine(e)}); using ${fallback.name}`);
      failed = true;
    }
    if (part || failed) {
      const chosen = part ?? (await open(fallback))!;
      choice.log?.(`${choice.label} engine: ${chosen.engine}`);
      return chosen;
    }
  }
  const part = await open(fallback);
  if (!part) throw new Error(`${choice.label}: the ${fallback.name} engine has no such part`);
  return part;
}

/**
 * A teacher forward that switches to `fallback` for good when `primary` fails a run (unless
 * onnxruntime is required), repeating the failed batch there: the batch's draws are made already, so
 * the random stream is unchanged.
 */
export function withRunFallback(primary: TeacherForward, fallback: () => Promise<TeacherForward>, choice: PartChoice): TeacherForward {
  if (choice.want === 'onnxruntime' || primary.engine === 'tfjs') return primary;
  let current = primary;
  return {
    get engine() {
      return current.engine;
    },
    async outputs(batch) {
      if (current !== primary) return current.outputs(batch);
      try {
        return await primary.outputs(batch);
      } catch (e) {
        choice.log?.(`${choice.label} failed on ${primary.engine} (${firstLine(e)}); using tfjs from here on`);
        current = await fallback();
        void primary.release().catch(() => undefined); // the session is unusable either way
        return current.outputs(batch);
      }
    },
    release: () => current.release(),
  };
}

export interface EngineWants {
  /** Step 1's engine. */
  readonly step1: EngineChoice;
  /** Step 2's engine, and the teacher forward's (Step 3, probe init). */
  readonly step2: EngineChoice;
}

/**
 * The parts of one training run, each opened at its first use on the engine select picks and kept
 * until the stage ends; remembers which engine ran each part (reported in the model).
 */
export class TrainingEngines {
  private step1: Promise<Step1Part> | null = null;
  private step2: Promise<Step2Part> | null = null;
  private teacher: Promise<TeacherForward> | null = null;
  private opened: { step2?: Step2Part; teacher?: TeacherForward } = {};
  readonly names: { step1?: string; step2?: string; step3?: string } = {};

  constructor(
    private readonly ctx: EngineContext,
    private readonly wants: EngineWants,
    private readonly preferred: StepEngine = ortEngine,
    private readonly fallback: StepEngine = tfjsEngine,
  ) {}

  private choice(label: string, want: EngineChoice): PartChoice {
    return { label, want, ...(this.ctx.log ? { log: this.ctx.log } : {}) };
  }

  step1Part(): Promise<Step1Part> {
    this.step1 ??= openPart(this.choice('Step 1', this.wants.step1), this.preferred, this.fallback, (e) => e.openStep1(this.ctx)).then((p) => {
      this.names.step1 = p.engine;
      return p;
    });
    return this.step1;
  }

  step2Part(): Promise<Step2Part> {
    this.step2 ??= openPart(this.choice('Step 2', this.wants.step2), this.preferred, this.fallback, (e) => e.openStep2(this.ctx)).then((p) => {
      this.names.step2 = p.engine;
      this.opened.step2 = p;
      return p;
    });
    return this.step2;
  }

  teacherForward(): Promise<TeacherForward> {
    const choice = this.choice('Step 3 teacher forward', this.wants.step2);
    this.teacher ??= openPart(choice, this.preferred, this.fallback, (e) => e.openTeacherForward(this.ctx)).then((p) => {
      const fwd = withRunFallback(p, async () => (await this.fallback.openTeacherForward(this.ctx))!, choice);
      this.opened.teacher = fwd;
      return fwd;
    });
    return this.teacher.then((fwd) => {
      this.names.step3 = fwd.engine;
      return fwd;
    });
  }

  /** Brings the trainer's variables up to date with the Step 2 engine's own copies. */
  flush(): void {
    this.opened.step2?.flush();
  }

  /** Flushes, then releases every open part (stage boundary, end of run). */
  async release(): Promise<void> {
    this.flush();
    if (this.opened.teacher) this.names.step3 = this.opened.teacher.engine; // after a run-time fallback too
    const parts = await Promise.allSettled([this.step1, this.step2, this.teacher].filter((p) => p !== null));
    this.step1 = this.step2 = this.teacher = null;
    this.opened = {};
    for (const p of parts) if (p.status === 'fulfilled') await p.value.release();
  }
}
