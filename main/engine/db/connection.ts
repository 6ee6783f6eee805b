// Opening the workspace database: WAL, foreign keys, migrations tracked by `user_version`.
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type { Database } from 'better-sqlite3';

export interface OpenOptions {
  readonly readonly?: boolean;
  /** Tests pass their own list to exercise one migration at a time. */
  readonly migrations?: readonly Migration[];
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** SQLite's own consistency check: [] when the file is whole, else the problems it reports. */
export function integrityProblems(db: Database): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
}

/** Applies every pending migration, each in its own transaction; refuses a database from a newer studio. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, file = ':memory:'): number {
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new StudioError(
      'schema_too_new',
      `${file}: database schema version ${current} is newer than this studio understands (${latest}); ` +
        'open it with a newer Cause Studio',
      { file, schemaVersion: current, supported: latest },
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

/**
 * The fix-it for a native module built for another runtime: `npm start` rebuilds better-sqlite3 for
 * Electron's ABI, after which plain Node (the CLI, the tests) cannot load it, and Node's own message
 * ("compiled against a different Node.js version using NODE_MODULE_VERSION …") does not say what to do.
 */
export function nativeModuleHint(e: unknown): string | null {
  const message = e instanceof Error ? e.message : String(e);
  if (!message.includes('NODE_MODULE_VERSION')) return null;
  const built = /using\s+NODE_MODULE_VERSION\s+(\d+)/.exec(message)?.[1];
  const needed = /requires\s+NODE_MODULE_VERSION\s+(\d+)/.exec(message)?.[1];
  const abi = built && needed ? ` (built for ABI ${built}, this ${process.versions.electron ? 'Electron' : 'Node'} needs ${needed})` : '';
  return process.versions.electron
    ? `better-sqlite3 was built for plain Node, not this Electron${abi}; run \`npm start\` (it rebuilds it for Electron) or \`npx electron-builder install-app-deps\``
    : `better-sqlite3 was rebuilt for Electron by \`npm start\`${abi}; run \`npm rebuild better-sqlite3\` to use the CLI and the tests again`;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (e) {
    const hint = nativeModuleHint(e);
    if (hint) throw new StudioError('unavailable', hint, { file });
    throw new StudioError('io_error', `${file}: cannot open database: ${(e as Error).message}`, { file });
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (options.readonly) {
      const v = schemaVersion(db);
      const latest = (options.migrations ?? MIGRATIONS).length;
      if (v > latest) migrate(db, options.migrations, file); // throws schema_too_new
      return db;
    }
    // A database from a newer studio is refused before anything writes to it: switching it to WAL
    // would already change a file this build does not own.
    if (schemaVersion(db) > (options.migrations ?? MIGRATIONS).length) migrate(db, options.migrations, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, options.migrations, file);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof StudioError) throw e;
    throw new StudioError('io_error', `${file}: ${(e as Error).message}`, { file });
  }
}
