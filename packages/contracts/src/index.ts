// Wire shapes of every service, one module per area of the spec (../shared/spec). Servers validate and
// document with these schemas; clients and the web app use the inferred types.
export * from './common';
export * from './tunnelling';
