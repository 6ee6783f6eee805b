// What the desktop app takes on its command line: `--queue redis://…` (or `--queue=…`), the worker pool
// its engine sends feature extraction and prediction to, as `cause-studio --queue` does for the CLI.
// The engine reads it from its environment (a launch queue wins over the workspace setting), checks it
// when it starts and refuses to start on a bad URL. A password on a command line is visible to `ps`:
// $CAUSE_STUDIO_QUEUE or the workspace setting keep it out of sight.

/** Must equal main/engine/pool/queue-config.ts QUEUE_ENV (test/unit/electron/launch-args.test.ts checks). */
export const QUEUE_ENV = 'CAUSE_STUDIO_QUEUE';

export const QUEUE_FLAG = '--queue';

/**
 * The queue URL named on the command line (the last one if given twice, as the CLI does), or null.
 * Throws when `--queue` has no value. Electron's argv holds the app path and Chromium switches too;
 * only our flag is looked at.
 */
export function queueFromArgv(argv: readonly string[]): string | null {
  let queue: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    let value: string | undefined;
    if (arg === QUEUE_FLAG) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('-')) throw new Error(`${QUEUE_FLAG} needs a URL: ${QUEUE_FLAG} redis://host:port[/db]`);
      i++;
    } else if (arg.startsWith(`${QUEUE_FLAG}=`)) {
      value = arg.slice(QUEUE_FLAG.length + 1);
    } else {
      continue;
    }
    if (value.trim() === '') throw new Error(`${QUEUE_FLAG} needs a URL: ${QUEUE_FLAG} redis://host:port[/db]`);
    queue = value.trim();
  }
  return queue;
}

/** The engine process's environment: the app's own, plus the queue named on the command line. */
export function engineEnv(env: NodeJS.ProcessEnv, queue: string | null): NodeJS.ProcessEnv {
  return queue === null ? { ...env } : { ...env, [QUEUE_ENV]: queue };
}
