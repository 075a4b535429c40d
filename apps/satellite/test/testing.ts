// Test doubles of the satellite's own suite, shared with the aggregator's integration tests (which run the
// reference satellite end to end) through `@syfthub/satellite/testing`.
export * from './fake-hub';
export * from './helpers';
