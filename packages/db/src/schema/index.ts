export * from './aggregators';
export * from './collectives';
export * from './endpoints';
export * from './errors';
export * from './oauth';
export * from './otp';
export * from './relations';
export * from './users';
