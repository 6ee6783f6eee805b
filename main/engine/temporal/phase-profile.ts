// Per-phase CPU time of the temporal prediction path (scripts/temporal-profile.ts): the process's CPU time
// (all threads, so sharp's decode counts) between successive marks. Optional everywhere: without a profile
// the hot paths pay one null check per phase.
export class PhaseProfile {
  private readonly ms = new Map<string, number>();
  private last = process.cpuUsage();
  frames = 0;

  /** Starts timing the next phase now (what happened since the last mark is not counted). */
  start(): void {
    this.last = process.cpuUsage();
  }

  /** Adds the CPU time since the last mark (or start) to `phase`. */
  mark(phase: string): void {
    const c = process.cpuUsage(this.last);
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + (c.user + c.system) / 1000);
    this.last = process.cpuUsage();
  }

  entries(): [string, number][] {
    return [...this.ms.entries()];
  }

  totalMs(): number {
    let s = 0;
    for (const v of this.ms.values()) s += v;
    return s;
  }
}
