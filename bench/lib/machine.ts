// What a bench prints about the machine beside its figures: the load from `uptime` (the machine is
// shared; a figure measured under load is slower than the code is).
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** `uptime`'s line, or the load averages when the command is missing. */
export function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`;
  }
}

/**
 * Drops the page cache so the next read comes from disk: needs root (`/proc/sys/vm/drop_caches`).
 * Returns whether it worked, so a bench labels its figure cold or warm honestly.
 */
export function dropPageCache(): boolean {
  try {
    execFileSync('sync');
    execFileSync('sh', ['-c', 'echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
