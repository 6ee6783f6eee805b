// The ordered list of migrations. Append only; numbers are contiguous from 1 (a test checks).
import { migration001 } from './001-init.js';
import { migration002 } from './002-datasets.js';
import { migration003 } from './003-models-features.js';
import { migration004 } from './004-experiments.js';
import { migration005 } from './005-evaluation.js';
import { migration006 } from './006-exports.js';
import { migration007 } from './007-mapping-suggestions.js';
import type { Migration } from './types.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
export type { Migration } from './types.js';
