export * from './api-tokens';
export * from './keys';
export * from './middleware';
export * from './passwords';
export * from './satellite-token-reuse';
export * from './satellite-tokens';
export * from './session-tokens';
