// Where an experiment's files live, relative to the workspace root (the DB stores relative paths).
import path from 'node:path';

export const experimentDir = (experimentId: string) => path.join('experiments', experimentId);
export const modelFile = (experimentId: string) => path.join(experimentDir(experimentId), 'model.bin');
export const predictionDir = (experimentId: string, datasetId: string) =>
  path.join(experimentDir(experimentId), 'predictions', safeName(datasetId));

/** Ids become file names; anything outside a conservative set is escaped so no id can climb out. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/^\.+/, (m) => '~002e'.repeat(m.length));
}
