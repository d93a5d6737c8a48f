/**
 * Benchmark-only second subgraph, in its own process: the example case-management subgraph the
 * federation tests run (deploy/supergraph/cases.graphql), one case per message. The bench pages
 * `cases` by `offset` so concurrent requests ask for different messages. Env: PORT, CASE_MESSAGE_IDS
 * (comma-separated investigate ids).
 */
import { createCaseManagementYoga } from '../../test/federation/case-management.js';
import { serveOnLoopback } from './serve.js';

if (import.meta.url === `file://${process.argv[1]}`) {
  const ids = (process.env.CASE_MESSAGE_IDS ?? '').split(',').filter(Boolean);
  const cases = ids.map((messageId, index) => ({
    id: `case-${index + 1}`,
    title: `Phishing wave ${index + 1}`,
    messageId,
  }));
  serveOnLoopback(createCaseManagementYoga(cases));
}
