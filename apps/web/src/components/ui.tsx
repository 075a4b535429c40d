// The small shared building blocks of every page, one file per kind; pages import them from here.
export * from './copy';
export * from './fields';
export * from './labels';
export * from './ResponsiveTable';
export * from './status';
