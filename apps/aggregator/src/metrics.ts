import type { Metrics } from '@syfthub/service';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** The aggregator's own metrics (aggregator.md §12), registered on the service registry. */
export interface AggregatorMetrics {
  chatRequests: Counter<'mode' | 'outcome'>;
  sourceRequests: Counter<'status'>;
  sourceDuration: Histogram<'status'>;
  generationDuration: Histogram<'outcome'>;
  rerankDuration: Histogram<'reranker'>;
  activeStreams: Gauge;
  agentSessionsOpened: Counter;
  agentSessionsActive: Gauge;
  agentSessionsFailed: Counter<'reason'>;
}

const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180];

export function createAggregatorMetrics(metrics: Metrics): AggregatorMetrics {
  return {
    chatRequests: metrics.counter({
      name: 'aggregator_chat_requests_total',
      help: 'Chat requests by mode (json, stream, retrieval_only) and outcome.',
      labelNames: ['mode', 'outcome'],
    }),
    sourceRequests: metrics.counter({
      name: 'aggregator_source_requests_total',
      help: 'Data-source queries by final status.',
      labelNames: ['status'],
    }),
    sourceDuration: metrics.histogram({
      name: 'aggregator_source_duration_seconds',
      help: 'Time to a data source result, retries included.',
      labelNames: ['status'],
      buckets: BUCKETS,
    }),
    generationDuration: metrics.histogram({
      name: 'aggregator_generation_duration_seconds',
      help: 'Model call duration, from request to the last token.',
      labelNames: ['outcome'],
      buckets: BUCKETS,
    }),
    rerankDuration: metrics.histogram({
      name: 'aggregator_rerank_duration_seconds',
      help: 'Reranking duration.',
      labelNames: ['reranker'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 15],
    }),
    activeStreams: metrics.gauge({
      name: 'aggregator_active_streams',
      help: 'Chat streams currently open.',
    }),
    agentSessionsOpened: metrics.counter({
      name: 'aggregator_agent_sessions_opened_total',
      help: 'Agent sessions created on a node (session.created sent).',
    }),
    agentSessionsActive: metrics.gauge({
      name: 'aggregator_agent_sessions_active',
      help: 'Agent session sockets currently admitted (from the upgrade to the end of the session).',
    }),
    agentSessionsFailed: metrics.counter({
      name: 'aggregator_agent_sessions_failed_total',
      help: 'Agent sessions that ended without session.completed or a client cancel, by reason.',
      labelNames: ['reason'],
    }),
  };
}
