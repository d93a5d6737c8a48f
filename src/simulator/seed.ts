/**
 * The seeded world: two accounts with their messages, the main account's historical bulk jobs, and
 * insights for both accounts and the main account's zone. Each part draws from its own PRNG stream
 * derived from the seed, so the same seed + now gives identical data.
 */
import type { BulkJobEngine } from './bulk-jobs.js';
import { jobRow } from './bulk-jobs.js';
import {
  SIMULATOR_ACCOUNT_ID,
  SIMULATOR_SECOND_ACCOUNT_ID,
  SIMULATOR_ZONE_ID,
  SIMULATOR_ZONE_NUMERIC_ID,
} from './constants.js';
import type { InsightStore } from './insight-store.js';
import { seedInsights } from './insights-data.js';
import type { Mailboxes } from './mailboxes.js';
import { isoZ, makeProfile, seedMessages } from './messages.js';
import { type Rng, chance, mulberry32, pick, uuid4 } from './prng.js';
import type { BulkAction, BulkJob, BulkJobMessage } from './wire-types.js';

export interface SeedSettings {
  seed: number;
  /** The instant the seed data is laid out against (ms). */
  seedNow: number;
  messageCount: number;
  secondMessageCount: number;
}

export interface World {
  mailboxes: Mailboxes;
  jobs: BulkJobEngine;
  insights: InsightStore;
}

/** Fills the (cleared) stores from the seed. */
export function seedWorld(settings: SeedSettings, world: World): void {
  const { seed, seedNow } = settings;
  const mainRng = mulberry32(seed >>> 0);
  const main = makeProfile(mainRng, SIMULATOR_ACCOUNT_ID, 'contoso.com', 18);
  world.mailboxes.addAccount(main, seedMessages(mainRng, main, seedNow, settings.messageCount, 6));
  const secondRng = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  const second = makeProfile(secondRng, SIMULATOR_SECOND_ACCOUNT_ID, 'fabrikam.com', 8);
  world.mailboxes.addAccount(second, seedMessages(secondRng, second, seedNow, settings.secondMessageCount, 2));
  seedJobHistory(mulberry32((seed ^ 0x27d4eb2f) >>> 0), world, SIMULATOR_ACCOUNT_ID, seedNow);
  seedInsightScopes(mulberry32((seed ^ 0x165667b1) >>> 0), world.insights, seedNow);
}

function seedInsightScopes(rng: Rng, insights: InsightStore, now: number): void {
  insights.addScope(
    'accounts',
    SIMULATOR_ACCOUNT_ID,
    SIMULATOR_ACCOUNT_ID,
    seedInsights(rng, {
      count: 60,
      now,
      accountId: SIMULATOR_ACCOUNT_ID,
      subjects: [
        'contoso.com',
        'www.contoso.com',
        'api.contoso.com',
        'mail.contoso.com',
        'shop.contoso.com',
        'contoso.net',
      ],
    }),
  );
  insights.addScope(
    'zones',
    SIMULATOR_ZONE_ID,
    SIMULATOR_ACCOUNT_ID,
    seedInsights(rng, {
      count: 15,
      now,
      accountId: SIMULATOR_ACCOUNT_ID,
      zoneTag: SIMULATOR_ZONE_ID,
      numericZoneId: SIMULATOR_ZONE_NUMERIC_ID,
      subjects: ['contoso.com', 'www.contoso.com', 'api.contoso.com'],
    }),
    SIMULATOR_ZONE_NUMERIC_ID,
  );
  insights.addScope(
    'accounts',
    SIMULATOR_SECOND_ACCOUNT_ID,
    SIMULATOR_SECOND_ACCOUNT_ID,
    seedInsights(rng, {
      count: 10,
      now,
      accountId: SIMULATOR_SECOND_ACCOUNT_ID,
      subjects: ['fabrikam.com', 'www.fabrikam.com'],
    }),
  );
}

/** Historical jobs: one COMPLETED, one FAILED, one CANCELLED. Their rows are history only. */
function seedJobHistory(rng: Rng, world: World, accountId: string, now: number): void {
  const messages = world.mailboxes.sorted(accountId);
  const add = (
    daysAgo: number,
    action: BulkAction,
    status: BulkJob['status'],
    count: number,
    statusMessage: string | null,
    comment: string | null,
  ) => {
    const created = now - daysAgo * 86_400_000;
    const job: BulkJob = {
      job_id: uuid4(rng),
      action_type: action,
      action_params:
        action === 'MOVE'
          ? {
              type: 'MOVE',
              destination: pick(rng, ['JunkEmail', 'DeletedItems'] as const),
              expected_disposition: 'SPAM',
            }
          : { type: 'RELEASE' },
      search_params:
        action === 'MOVE'
          ? { final_disposition: 'SPAM', start: isoZ(created - 7 * 86_400_000), end: isoZ(created) }
          : { final_disposition: 'MALICIOUS', sender: 'invoice-portal.online' },
      status,
      created_at: isoZ(created),
      messages_cancelled: 0,
      messages_failed: 0,
      messages_pending: 0,
      messages_skipped: 0,
      messages_successful: 0,
      total_messages_discovered: count,
      comment,
      started_at: isoZ(created + 1000),
      completed_at: isoZ(created + 60_000),
      status_message: statusMessage,
    };
    const rows: BulkJobMessage[] = [];
    for (let i = 0; i < count; i++) {
      const stored = messages[(i * 7 + daysAgo) % messages.length];
      if (!stored) continue;
      const row = jobRow(job, stored, job.created_at);
      row.processed_at = job.completed_at ?? null;
      if (status === 'COMPLETED') {
        row.status = chance(rng, 0.85) ? 'COMPLETED' : 'SKIPPED';
      } else if (status === 'FAILED') {
        row.status = 'FAILED';
        row.status_message = statusMessage;
        row.retry_count = 3;
      } else {
        row.status = i < count / 2 ? 'COMPLETED' : 'CANCELLED';
      }
      rows.push(row);
    }
    job.messages_successful = rows.filter((r) => r.status === 'COMPLETED').length;
    job.messages_skipped = rows.filter((r) => r.status === 'SKIPPED').length;
    job.messages_failed = rows.filter((r) => r.status === 'FAILED').length;
    job.messages_cancelled = rows.filter((r) => r.status === 'CANCELLED').length;
    world.jobs.addFinished(accountId, job, rows);
  };
  add(12, 'MOVE', 'COMPLETED', 8, null, 'Weekly spam clean-up');
  add(6, 'RELEASE', 'FAILED', 3, 'Email integration is not authorized for this account', null);
  add(2, 'MOVE', 'CANCELLED', 6, 'Cancelled by user', 'Move phishing wave to junk');
}
