import type { Database } from 'better-sqlite3';

/** A numbered, append-only schema step. Never edit a shipped one: add the next number. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}
