// Label protocols: the official Cityscapes table, the built-in evaluation protocols and custom ones.
export * from './cityscapes-labels.js';
export * from './label-protocol.js';
export * from './builtin.js';
export * from './custom-protocol.js';
