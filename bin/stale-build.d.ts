/** The first source file (.ts/.tsx under `dirs` of `root`) modified after `builtMs`, or null. */
export function newerSource(root: string, dirs: readonly string[], builtMs: number): string | null;
