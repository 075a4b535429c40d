export * from './keys';
export * from './satellite-tokens';
