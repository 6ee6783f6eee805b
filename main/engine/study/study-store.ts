// Where studies live: <workspace>/studies/<name>/ holds cells.json (written after every cell, so a
// killed study keeps what it measured), study.json, study.md and chart.png.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { STUDY_SCHEMA_VERSION, type StudyCell, type StudyResult, type StudySummary } from '../../../shared/contract/study.js';
import { writeFileAtomic } from '../workspace.js';

export function studyDir(workspaceRoot: string, name: string): string {
  return path.join(workspaceRoot, 'studies', name);
}

export function readCells(dir: string): StudyCell[] {
  const file = path.join(dir, 'cells.json');
  if (!fs.existsSync(file)) return [];
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: StudyCell[] }).cells;
  } catch (e) {
    throw new StudioError('io_error', `${file}: cannot read the study's measured cells (${(e as Error).message})`, { file });
  }
}

export function writeCells(dir: string, cells: readonly StudyCell[]): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'cells.json'), JSON.stringify({ schemaVersion: STUDY_SCHEMA_VERSION, cells }, null, 1));
}

export function readStudy(workspaceRoot: string, name: string): StudyResult {
  const file = path.join(studyDir(workspaceRoot, name), 'study.json');
  if (!fs.existsSync(file)) throw new StudioError('not_found', `no study '${name}' in this workspace (${file})`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyResult;
  if (json.schemaVersion > STUDY_SCHEMA_VERSION) {
    throw new StudioError('invalid_input', `${file}: study schemaVersion ${json.schemaVersion} is newer than this studio understands (${STUDY_SCHEMA_VERSION})`);
  }
  return json;
}

export function listStudies(workspaceRoot: string): StudySummary[] {
  const root = path.join(workspaceRoot, 'studies');
  if (!fs.existsSync(root)) return [];
  const out: StudySummary[] = [];
  for (const name of fs.readdirSync(root)) {
    if (!fs.existsSync(path.join(root, name, 'study.json'))) continue;
    const s = readStudy(workspaceRoot, name);
    out.push({
      name: s.name,
      trainDatasetName: s.trainDatasetName,
      evalDatasetName: s.evalDatasetName,
      variants: s.variants.length,
      backbones: s.backbones,
      seeds: s.seeds,
      cells: s.cells.length,
      pending: s.pending,
      updatedAt: s.updatedAt,
    });
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
