export * from './agent';
export * from './cipher';
export * from './connection';
export * from './envelope';
export * from './link';
export * from './subjects';
