// Pure evaluation maths shared by the engine and the renderer (which re-scores mapping edits locally).
export * from './hungarian.js';
export * from './confusion.js';
export * from './mapping-file.js';
export * from './label-free.js';
export * from './cross-run.js';
export * from './report.js';
export * from './temporal-consistency.js';
