// Studies (`cause-studio study` results) for the Studies view: read from <workspace>/studies/.
import type { HandlerGroup } from './handler-types.js';
import { listStudies, readStudy } from '../study/study-store.js';

export const studyHandlers: HandlerGroup<'studies.list' | 'studies.get'> = {
  'studies.list': (_args, ctx) => listStudies(ctx.workspace.root),
  'studies.get': ({ name }, ctx) => readStudy(ctx.workspace.root, name),
};
