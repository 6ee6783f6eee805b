// mappings.edit|addClass|conceptStats|suggest|suggestions|decide: mapping sessions without ground truth.
import { StudioError } from '../../../shared/contract/errors.js';
import { conceptStats } from '../eval/concept-stats.js';
import { decideSuggestions, newestSuggestions, suggestMapping } from '../eval/mapping-carry.js';
import { editMapping, protocolSummary } from '../eval/mapping-edit.js';
import { extendProtocol, parseColour } from '../eval/mapping-protocol.js';
import type { HandlerGroup } from './handler-types.js';

type MappingMethods =
  | 'mappings.edit'
  | 'mappings.addClass'
  | 'mappings.conceptStats'
  | 'mappings.suggest'
  | 'mappings.suggestions'
  | 'mappings.decide';

export const mappingHandlers: HandlerGroup<MappingMethods> = {
  'mappings.edit': ({ experimentId, ...edit }, ctx) => editMapping(ctx.db, experimentId, edit),
  'mappings.addClass': ({ protocolId, name, color }, ctx) => {
    if (name.trim() !== name || name === '') throw new StudioError('bad_request', `class name '${name}' has leading or trailing spaces`);
    return protocolSummary(extendProtocol(ctx.db, protocolId, [{ name, ...(color ? { color: parseColour(color) } : {}) }]));
  },
  'mappings.conceptStats': ({ experimentId }, ctx) => conceptStats(ctx.db, experimentId),
  'mappings.suggest': ({ experimentId, fromMappingId, comparisonJobId }, ctx) => suggestMapping(ctx.db, experimentId, fromMappingId, comparisonJobId),
  'mappings.suggestions': ({ experimentId }, ctx) => newestSuggestions(ctx.db, experimentId),
  'mappings.decide': ({ suggestionSetId, clusters, decision, apply }, ctx) => decideSuggestions(ctx.db, suggestionSetId, decision, clusters, apply),
};
