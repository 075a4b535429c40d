// Wire shapes of every service, one module per area of the spec (../shared/spec). Servers validate and
// document with these schemas; clients and the web app use the inferred types.
export * from './admin';
export * from './agent';
export * from './aggregators';
export * from './auth';
export * from './chat';
export * from './collectives';
export * from './common';
export * from './endpoints';
export * from './fields';
export * from './identity';
export * from './requests';
export * from './root';
export * from './satellite';
export * from './tunnelling';
export * from './users';
