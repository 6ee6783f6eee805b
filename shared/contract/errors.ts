// Typed errors that travel over every transport: a stable code for programs, a message for people.

export const ERROR_CODES = [
  'bad_request', // malformed message or arguments that fail the schema
  'unknown_method',
  'not_found',
  'conflict', // e.g. output exists without --force, workspace in use
  'invalid_input', // a user's file is wrong: corrupt image, bad model, bad protocol JSON
  'unavailable', // a dependency is missing here: ffmpeg, a GPU provider, a network
  'cancelled',
  'io_error', // disk full, read-only folder, permissions
  'schema_too_new', // database or file written by a newer studio
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface StudioErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  /** Optional structured detail, e.g. the file that was wrong. */
  readonly details?: Record<string, unknown>;
}

export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toData(): StudioErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: StudioErrorData): StudioError {
    return new StudioError(data.code, data.message, data.details);
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}

/** Any thrown value as error data; non-studio errors become `internal` with their message kept. */
export function toErrorData(e: unknown): StudioErrorData {
  if (e instanceof StudioError) return e.toData();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message };
}
