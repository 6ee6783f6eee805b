// The ordered list of migrations. Append only; numbers are contiguous from 1 (a test checks).
import { migration001 } from './001-init.js';
import type { Migration } from './types.js';

export const MIGRATIONS: readonly Migration[] = [migration001];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
export type { Migration } from './types.js';
