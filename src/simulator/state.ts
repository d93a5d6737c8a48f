import { randomUUID } from 'node:crypto';
/**
 * The simulator's mutable world: messages per account, bulk jobs, insights + audit logs,
 * miscategorization and reclassification submissions. Handlers mutate it; tests read it through
 * the helpers at the top of the class (`getMessage`, `listMessages`, `getInsight`, `getBulkJob`, …).
 *
 * Bulk jobs progress lazily: every read or write first calls `tick()`, which replays the steps
 * that `bulkJobStepMs` of real time allow. No timers, so nothing to leak and fully deterministic
 * for a given sequence of calls.
 */
import {
  SIMULATOR_ACCOUNT_ID,
  SIMULATOR_SECOND_ACCOUNT_ID,
  SIMULATOR_ZONE_ID,
  SIMULATOR_ZONE_NUMERIC_ID,
} from './constants.js';
import { ApiError, CODES, badRequest } from './envelope.js';
import { type InsightSeed, type StoredIssue, seedInsights } from './insights-data.js';
import { type AccountProfile, type StoredMessage, isoZ, makeMessage, makeProfile, seedMessages } from './messages.js';
import { type Rng, chance, mulberry32, pick, uuid4, uuid7, weighted } from './prng.js';
import { type SearchFilter, matchesSearch } from './search.js';
import type {
  AuditField,
  AuditLogEntry,
  BulkAction,
  BulkJob,
  BulkJobMessage,
  Destination,
  Disposition,
  Issue,
  Message,
  Miscategorization,
  MoveResult,
  ReleaseResult,
  SearchParams,
  UserClassification,
} from './types.js';
import { TERMINAL_JOB_STATUSES } from './types.js';

export interface StateConfig {
  seed: number;
  /** The instant the seed data is laid out against (ms). */
  seedNow: number;
  messageCount: number;
  secondMessageCount: number;
  bulkJobStepMs: number;
  /** The simulator clock (ms): `now` option + real elapsed time. */
  clock: () => number;
  /** Knob defaults; `load()` puts them back. */
  e1Paging?: E1Paging;
  moveResultMessageId?: MoveResultMessageId;
}

/**
 * How E1 pages. `cursor` is Cloudflare's current OpenAPI document (reference §9): `next`/`previous`
 * cursors, `page` and `total_count` "Deprecated: Returns always 0", and a `page` in the request is
 * ignored. `legacy` is the older shape: real `page`/`total_count`, no cursors, paged by `page`.
 */
export type E1Paging = 'cursor' | 'legacy';
/**
 * What E8/E9 rows carry in `message_id` ("Message identifier.", nullable; §9 does not say which id).
 * `rfc822`: the message's RFC 822 Message-ID (null when it has none). `investigate`: the investigate id.
 */
export type MoveResultMessageId = 'rfc822' | 'investigate';

export interface MiscategorizationRecord {
  accountId: string;
  at: string;
  body: Miscategorization;
}

export interface ReclassificationRecord {
  accountId: string;
  investigateId: string;
  at: string;
  expected_disposition: string;
  eml_content?: string;
  escalated_submission_id?: string;
}

interface JobRecord {
  job: BulkJob;
  filter: SearchFilter;
  rows: BulkJobMessage[];
  /** Index of the next PENDING row. */
  cursor: number;
  /** Real-clock ms of the last applied step. */
  lastStepAt: number;
  seq: number;
}

interface AccountData {
  profile: AccountProfile;
  messages: Map<string, StoredMessage>;
  sorted: StoredMessage[] | null;
  jobs: Map<string, JobRecord>;
}

export interface InsightScope {
  kind: 'accounts' | 'zones';
  id: string;
  accountId: string;
  issues: StoredIssue[];
  byId: Map<string, StoredIssue>;
  /** Ascending by time (UUIDv7 order). */
  audit: AuditLogEntry[];
  numericZoneId?: number;
}

/** Messages processed per bulk-job step (a "slice", brief). */
const JOB_SLICE = 20;

export class SimulatorState {
  readonly miscategorizations: MiscategorizationRecord[] = [];
  readonly reclassifications: ReclassificationRecord[] = [];
  private accounts = new Map<string, AccountData>();
  private scopes = new Map<string, InsightScope>();
  private runtimeRng: Rng = mulberry32(1);
  private seq = 0;
  e1Paging: E1Paging = 'cursor';
  moveResultMessageId: MoveResultMessageId = 'rfc822';

  constructor(private readonly config: StateConfig) {
    this.load();
  }

  // ───────────────────────────── read helpers (for tests) ─────────────────────────────

  get accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** A message from either datastore (regular or submissions). */
  getMessage(accountId: string, id: string): Message | undefined {
    this.tick();
    return this.accounts.get(accountId)?.messages.get(id)?.msg;
  }

  /** Messages newest first. `submissions: true` lists the submissions datastore instead. */
  listMessages(accountId: string, options: { submissions?: boolean } = {}): Message[] {
    this.tick();
    return this.sortedMessages(accountId)
      .filter((s) => s.submission === (options.submissions ?? false))
      .map((s) => s.msg);
  }

  getBulkJob(accountId: string, jobId: string): BulkJob | undefined {
    this.tick();
    return this.accounts.get(accountId)?.jobs.get(jobId)?.job;
  }

  listBulkJobs(accountId: string): BulkJob[] {
    this.tick();
    return this.jobRecords(accountId).map((r) => r.job);
  }

  getBulkJobMessages(accountId: string, jobId: string): BulkJobMessage[] | undefined {
    this.tick();
    return this.accounts.get(accountId)?.jobs.get(jobId)?.rows;
  }

  /** `scopeId` is an account id or a zone id. */
  getInsight(scopeId: string, issueId: string): Issue | undefined {
    return this.scopes.get(scopeId)?.byId.get(issueId)?.issue;
  }

  listInsights(scopeId: string): Issue[] {
    return (this.scopes.get(scopeId)?.issues ?? []).map((s) => s.issue);
  }

  listAuditLog(scopeId: string): AuditLogEntry[] {
    return [...(this.scopes.get(scopeId)?.audit ?? [])];
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** (Re)builds everything from the seed. */
  load(): void {
    const { seed, seedNow } = this.config;
    this.accounts.clear();
    this.scopes.clear();
    this.miscategorizations.length = 0;
    this.reclassifications.length = 0;
    this.runtimeRng = mulberry32((seed ^ 0x5bd1e995) >>> 0);
    this.seq = 0;
    this.e1Paging = this.config.e1Paging ?? 'cursor';
    this.moveResultMessageId = this.config.moveResultMessageId ?? 'rfc822';

    const mainRng = mulberry32(seed >>> 0);
    const main = makeProfile(mainRng, SIMULATOR_ACCOUNT_ID, 'contoso.com', 18);
    this.addAccount(main, seedMessages(mainRng, main, seedNow, this.config.messageCount, 6));
    const secondRng = mulberry32((seed ^ 0x9e3779b9) >>> 0);
    const second = makeProfile(secondRng, SIMULATOR_SECOND_ACCOUNT_ID, 'fabrikam.com', 8);
    this.addAccount(second, seedMessages(secondRng, second, seedNow, this.config.secondMessageCount, 2));
    this.seedJobs(mulberry32((seed ^ 0x27d4eb2f) >>> 0), SIMULATOR_ACCOUNT_ID);

    const insightRng = mulberry32((seed ^ 0x165667b1) >>> 0);
    this.addScope(
      'accounts',
      SIMULATOR_ACCOUNT_ID,
      SIMULATOR_ACCOUNT_ID,
      seedInsights(insightRng, {
        count: 60,
        now: seedNow,
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
    this.addScope(
      'zones',
      SIMULATOR_ZONE_ID,
      SIMULATOR_ACCOUNT_ID,
      seedInsights(insightRng, {
        count: 15,
        now: seedNow,
        accountId: SIMULATOR_ACCOUNT_ID,
        zoneTag: SIMULATOR_ZONE_ID,
        numericZoneId: SIMULATOR_ZONE_NUMERIC_ID,
        subjects: ['contoso.com', 'www.contoso.com', 'api.contoso.com'],
      }),
      SIMULATOR_ZONE_NUMERIC_ID,
    );
    this.addScope(
      'accounts',
      SIMULATOR_SECOND_ACCOUNT_ID,
      SIMULATOR_SECOND_ACCOUNT_ID,
      seedInsights(insightRng, {
        count: 10,
        now: seedNow,
        accountId: SIMULATOR_SECOND_ACCOUNT_ID,
        subjects: ['fabrikam.com', 'www.fabrikam.com'],
      }),
    );
  }

  private addAccount(profile: AccountProfile, messages: StoredMessage[]): void {
    const data: AccountData = { profile, messages: new Map(), sorted: null, jobs: new Map() };
    for (const m of messages) {
      m.seq = this.seq++;
      data.messages.set(m.msg.id, m);
    }
    this.accounts.set(profile.id, data);
  }

  private addScope(
    kind: 'accounts' | 'zones',
    id: string,
    accountId: string,
    seed: InsightSeed,
    numericZoneId?: number,
  ): void {
    const scope: InsightScope = {
      kind,
      id,
      accountId,
      issues: seed.issues,
      byId: new Map(seed.issues.map((s) => [s.issue.id ?? '', s])),
      audit: seed.audit,
    };
    if (numericZoneId !== undefined) scope.numericZoneId = numericZoneId;
    this.scopes.set(id, scope);
  }

  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  insightScope(kind: 'accounts' | 'zones', id: string): InsightScope | undefined {
    const scope = this.scopes.get(id);
    return scope?.kind === kind ? scope : undefined;
  }

  now(): number {
    return this.config.clock();
  }

  // ───────────────────────────── messages ─────────────────────────────

  sortedMessages(accountId: string): StoredMessage[] {
    const data = this.accounts.get(accountId);
    if (!data) return [];
    if (!data.sorted) {
      data.sorted = [...data.messages.values()].sort((a, b) => {
        const diff = Date.parse(b.msg.scanned_at ?? '') - Date.parse(a.msg.scanned_at ?? '');
        return diff !== 0 ? diff : b.seq - a.seq;
      });
    }
    return data.sorted;
  }

  search(accountId: string, filter: SearchFilter): StoredMessage[] {
    this.tick();
    return this.sortedMessages(accountId).filter((s) => matchesSearch(s, filter));
  }

  findStored(accountId: string, id: string): StoredMessage | undefined {
    this.tick();
    return this.accounts.get(accountId)?.messages.get(id);
  }

  findByPostfixId(accountId: string, postfixId: string): StoredMessage | undefined {
    for (const s of this.accounts.get(accountId)?.messages.values() ?? []) if (s.msg.postfix_id === postfixId) return s;
    return undefined;
  }

  /** "New mail arrives": `count` messages scanned at the current simulator time. */
  addMessages(accountId: string, count: number): string[] {
    const data = this.accounts.get(accountId);
    if (!data) throw new Error(`unknown simulator account ${accountId}`);
    const now = Math.floor(this.now() / 1000) * 1000;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const rng = this.runtimeRng;
      const disposition = weighted<Disposition>(rng, [
        ['NONE', 5],
        ['BULK', 2],
        ['SPAM', 1],
        ['MALICIOUS', 1],
        ['SUSPICIOUS', 1],
      ]);
      const msg = makeMessage(rng, {
        profile: data.profile,
        scannedAt: now,
        disposition,
        deliveryMode: 'DIRECT',
        submission: false,
        now,
      });
      data.messages.set(msg.id, { accountId, msg, submission: false, seq: this.seq++ });
      ids.push(msg.id);
    }
    data.sorted = null;
    return ids;
  }

  /**
   * E8/E9 (and bulk MOVE). One MoveResult per recipient. A message that never reached a mailbox
   * (delivery_status rejected/bounced) cannot be moved: success:false, state unchanged. Moving a
   * quarantined message takes it out of quarantine into the folder (simulator's choice).
   */
  moveMessage(stored: StoredMessage, destination: Destination, requestedBy: string): MoveResult[] {
    const msg = stored.msg;
    const at = isoZ(this.now());
    const undeliverable = (msg.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced');
    const results = msg.client_recipients.map(
      (recipient): MoveResult => ({
        success: !undeliverable,
        completed_at: undeliverable ? null : at,
        completed_timestamp: at,
        destination,
        item_count: undeliverable ? 0 : 1,
        message_id: this.moveResultMessageId === 'investigate' ? msg.id : (msg.message_id ?? null),
        operation: 'MOVE',
        recipient,
        status: undeliverable ? 'failed' : 'completed',
      }),
    );
    if (!undeliverable) {
      msg.action_log.push({
        completed_at: at,
        completed_timestamp: at,
        operation: 'MOVE',
        properties: { folder: destination, requested_by: requestedBy },
        status: 'completed',
      });
      msg.post_delivery_operations = addUnique(msg.post_delivery_operations, 'MOVE');
      msg.delivery_status = ['moved'];
      msg.is_quarantined = false;
    }
    return results;
  }

  /** E11 (and bulk RELEASE). */
  releaseMessage(stored: StoredMessage, requestedBy: string): ReleaseResult {
    const msg = stored.msg;
    if (!msg.is_quarantined)
      return {
        id: msg.id,
        postfix_id: msg.postfix_id,
        delivered: [],
        failed: [],
        undelivered: [...msg.client_recipients],
      };
    const at = isoZ(this.now());
    msg.is_quarantined = false;
    msg.delivery_status = ['delivered'];
    msg.action_log.push({
      completed_at: at,
      completed_timestamp: at,
      operation: 'RELEASE',
      properties: { requested_by: requestedBy },
      status: 'completed',
    });
    msg.post_delivery_operations = addUnique(msg.post_delivery_operations, 'QUARANTINE_RELEASE');
    return {
      id: msg.id,
      postfix_id: msg.postfix_id,
      delivered: [...msg.client_recipients],
      failed: [],
      undelivered: [],
    };
  }

  /**
   * E10. The SDK says reclassification "is processed asynchronously", so final_disposition is NOT
   * changed; the request is recorded and the action log gains a RECLASSIFY entry.
   */
  reclassify(
    stored: StoredMessage,
    record: Omit<ReclassificationRecord, 'at' | 'accountId' | 'investigateId'>,
    requestedBy: string,
  ): void {
    const at = isoZ(this.now());
    stored.msg.action_log.push({
      completed_at: at,
      completed_timestamp: at,
      operation: 'RECLASSIFY',
      properties: { requested_by: requestedBy },
      status: 'pending',
    });
    this.reclassifications.push({ accountId: stored.accountId, investigateId: stored.msg.id, at, ...record });
  }

  // ───────────────────────────── bulk jobs ─────────────────────────────

  private jobRecords(accountId: string): JobRecord[] {
    return [...(this.accounts.get(accountId)?.jobs.values() ?? [])].sort((a, b) => b.seq - a.seq);
  }

  listJobRecords(accountId: string): BulkJob[] {
    this.tick();
    return this.jobRecords(accountId).map((r) => r.job);
  }

  createJob(
    accountId: string,
    input: {
      action: BulkAction;
      searchParams: SearchParams;
      filter: SearchFilter;
      comment: string | null;
      destination?: Destination;
      expectedDisposition?: Disposition | null;
    },
  ): BulkJob {
    this.tick();
    const data = this.accounts.get(accountId);
    if (!data) throw new ApiError(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource');
    const job: BulkJob = {
      // Unique across resets, as Cloudflare's are: a gateway outlives a simulator reset and must not
      // meet a job id it has already followed to its end.
      job_id: randomUUID(),
      action_type: input.action,
      action_params:
        input.action === 'MOVE'
          ? {
              type: 'MOVE',
              destination: input.destination ?? 'JunkEmail',
              ...(input.expectedDisposition !== undefined ? { expected_disposition: input.expectedDisposition } : {}),
            }
          : { type: 'RELEASE' },
      search_params: input.searchParams,
      status: 'PENDING',
      created_at: isoZ(this.now()),
      messages_cancelled: 0,
      messages_failed: 0,
      messages_pending: 0,
      messages_skipped: 0,
      messages_successful: 0,
      total_messages_discovered: 0,
      comment: input.comment,
      completed_at: null,
      started_at: null,
      status_message: null,
    };
    data.jobs.set(job.job_id, {
      job,
      filter: input.filter,
      rows: [],
      cursor: 0,
      lastStepAt: Date.now(),
      seq: this.seq++,
    });
    return job;
  }

  /** E15. Only terminal jobs can be deleted (§3 E15). */
  deleteJob(accountId: string, jobId: string): void {
    const record = this.jobRecord(accountId, jobId);
    if (!TERMINAL_JOB_STATUSES.has(record.job.status)) {
      throw new ApiError(
        409,
        CODES.CONFLICT,
        `Bulk job ${jobId} is ${record.job.status}; only COMPLETED, CANCELLED, FAILED or SKIPPED jobs can be deleted (cancel it first)`,
      );
    }
    this.accounts.get(accountId)?.jobs.delete(jobId);
  }

  /** E16. Remaining PENDING rows become CANCELLED and are counted in messages_cancelled (§8). */
  cancelJob(accountId: string, jobId: string): BulkJob {
    const record = this.jobRecord(accountId, jobId);
    const { job } = record;
    if (TERMINAL_JOB_STATUSES.has(job.status)) {
      throw new ApiError(409, CODES.CONFLICT, `Bulk job ${jobId} is already ${job.status} and cannot be cancelled`);
    }
    const at = isoZ(this.now());
    let cancelled = 0;
    for (const row of record.rows) {
      if (row.status === 'PENDING') {
        row.status = 'CANCELLED';
        row.processed_at = at;
        row.status_message = 'Job cancelled';
        cancelled++;
      }
    }
    job.messages_cancelled += cancelled;
    job.messages_pending = 0;
    job.status = 'CANCELLED';
    job.completed_at = at;
    job.status_message = 'Cancelled by user';
    return job;
  }

  jobRecord(accountId: string, jobId: string): JobRecord {
    this.tick();
    const record = this.accounts.get(accountId)?.jobs.get(jobId);
    if (!record) throw new ApiError(404, CODES.JOB_NOT_FOUND, `Bulk job not found: ${jobId}`);
    return record;
  }

  /** Advances every running job by the steps elapsed since its last step. */
  tick(): void {
    const realNow = Date.now();
    const stepMs = Math.max(1, this.config.bulkJobStepMs);
    for (const data of this.accounts.values()) {
      for (const record of data.jobs.values()) {
        while (!TERMINAL_JOB_STATUSES.has(record.job.status) && realNow - record.lastStepAt >= stepMs) {
          record.lastStepAt += stepMs;
          this.step(data, record);
        }
        if (TERMINAL_JOB_STATUSES.has(record.job.status)) record.lastStepAt = realNow;
      }
    }
  }

  /** PENDING → DISCOVERING → PROCESSING (a slice per step) → COMPLETED. */
  private step(data: AccountData, record: JobRecord): void {
    const { job } = record;
    const at = isoZ(this.now());
    if (job.status === 'PENDING') {
      job.status = 'DISCOVERING';
      job.started_at = at;
      return;
    }
    if (job.status === 'DISCOVERING') {
      const matched = this.sortedMessages(data.profile.id).filter((s) => matchesSearch(s, record.filter));
      record.rows = matched.map((s) => this.jobRow(job, s, at));
      job.total_messages_discovered = matched.length;
      job.messages_pending = matched.length;
      job.status = matched.length > 0 ? 'PROCESSING' : 'COMPLETED';
      if (matched.length === 0) {
        job.completed_at = at;
        job.status_message = 'No messages matched the search parameters';
      }
      return;
    }
    // PROCESSING
    const requestedBy = `bulk-job:${job.job_id}`;
    const end = Math.min(record.rows.length, record.cursor + JOB_SLICE);
    for (; record.cursor < end; record.cursor++) {
      const row = record.rows[record.cursor];
      if (row?.status !== 'PENDING') continue;
      const stored = data.messages.get(row.message_id);
      job.messages_pending--;
      row.processed_at = at;
      if (!stored) {
        row.status = 'FAILED';
        row.status_message = 'Message no longer exists';
        job.messages_failed++;
      } else if (job.action_params.type === 'MOVE') {
        const results = this.moveMessage(stored, job.action_params.destination, requestedBy);
        if (results.every((r) => r.success)) {
          row.status = 'COMPLETED';
          job.messages_successful++;
        } else {
          row.status = 'FAILED';
          row.status_message = 'Message was not delivered to a mailbox';
          row.retry_count = 1;
          job.messages_failed++;
        }
      } else if (stored.msg.is_quarantined) {
        this.releaseMessage(stored, requestedBy);
        row.status = 'COMPLETED';
        job.messages_successful++;
      } else {
        row.status = 'SKIPPED';
        row.status_message = 'Message is not quarantined';
        job.messages_skipped++;
      }
    }
    if (record.cursor >= record.rows.length) {
      job.status = 'COMPLETED';
      job.completed_at = at;
      job.messages_pending = 0;
    }
  }

  private jobRow(job: BulkJob, stored: StoredMessage, at: string): BulkJobMessage {
    const clientRecipient = stored.msg.client_recipients[0] ?? '';
    const params = job.action_params;
    return {
      action_params:
        params.type === 'MOVE'
          ? {
              type: 'MOVE',
              client_recipient: clientRecipient,
              destination: params.destination,
              ...(params.expected_disposition !== undefined
                ? { expected_disposition: params.expected_disposition }
                : {}),
            }
          : { type: 'RELEASE', client_recipient: clientRecipient },
      action_type: job.action_type,
      created_at: at,
      message_id: stored.msg.id,
      postfix_id: stored.msg.postfix_id,
      retry_count: 0,
      status: 'PENDING',
      alert_id: stored.msg.alert_id ?? null,
      email_message_id: stored.msg.message_id ?? null,
      processed_at: null,
      retry_after: null,
      status_message: null,
    };
  }

  /** Historical jobs (§ brief): one COMPLETED, one FAILED, one CANCELLED. Their rows are history only. */
  private seedJobs(rng: Rng, accountId: string): void {
    const data = this.accounts.get(accountId);
    if (!data) return;
    const now = this.config.seedNow;
    const messages = this.sortedMessages(accountId);
    const mk = (
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
        const row = this.jobRow(job, stored, job.created_at);
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
      data.jobs.set(job.job_id, {
        job,
        filter: { start: 0, end: 0 },
        rows,
        cursor: rows.length,
        lastStepAt: 0,
        seq: this.seq++,
      });
    };
    mk(12, 'MOVE', 'COMPLETED', 8, null, 'Weekly spam clean-up');
    mk(6, 'RELEASE', 'FAILED', 3, 'Email integration is not authorized for this account', null);
    mk(2, 'MOVE', 'CANCELLED', 6, 'Cancelled by user', 'Move phishing wave to junk');
  }

  // ───────────────────────────── insights ─────────────────────────────

  issueOf(scope: InsightScope, issueId: string): StoredIssue {
    const stored = scope.byId.get(issueId);
    if (!stored) throw new ApiError(404, CODES.INSIGHT_NOT_FOUND, `Insight not found: ${issueId}`);
    return stored;
  }

  /**
   * S2. `dismiss` defaults to true. Dismissal is not an AuditField (`status` means active|resolved,
   * which dismissing does not change), so — simulator's choice — it writes no audit entry.
   */
  dismiss(scope: InsightScope, issueId: string, dismiss: boolean): void {
    this.issueOf(scope, issueId).issue.dismissed = dismiss;
  }

  /** S3 rules (§5 S3, seed 004). */
  classify(
    scope: InsightScope,
    issueId: string,
    classification: UserClassification | null,
    rationale: string | undefined,
    changedBy: string,
  ): void {
    const stored = this.issueOf(scope, issueId);
    const current = stored.issue.user_classification ?? null;
    if (
      (classification === 'accept_risk' || classification === 'other') &&
      (rationale === undefined || rationale.trim() === '')
    ) {
      throw badRequest(`rationale is required when classification is '${classification}'`);
    }
    if (current !== null && classification !== null && current !== classification) {
      throw badRequest('Cannot change directly between classification values - must reset to null first.');
    }
    // Same value again (e.g. an SDK retry of the PATCH): accepted as a no-op, no audit entry.
    if (current === classification) return;
    stored.issue.user_classification = classification;
    this.audit(scope, stored, 'user_classification', current, classification, changedBy, rationale ?? null);
  }

  private audit(
    scope: InsightScope,
    stored: StoredIssue,
    field: AuditField,
    previous: string | null,
    current: string | null,
    by: string,
    rationale: string | null,
  ): void {
    const at = Math.max(
      this.now(),
      Date.parse(scope.audit[scope.audit.length - 1]?.changed_at ?? '1970-01-01T00:00:00Z') + 1,
    );
    const entry: AuditLogEntry = {
      id: uuid7(this.runtimeRng, at),
      changed_at: new Date(at).toISOString(),
      changed_by: by,
      current_value: current,
      previous_value: previous,
      field_changed: field,
      issue_id: stored.issue.id ?? '',
      rationale,
    };
    if (stored.numericZoneId !== undefined) entry.zone_id = stored.numericZoneId;
    scope.audit.push(entry);
  }

  // ───────────────────────────── intel ─────────────────────────────

  recordMiscategorization(accountId: string, body: Miscategorization): void {
    this.miscategorizations.push({ accountId, at: isoZ(this.now()), body });
  }
}

function addUnique<T>(list: T[] | null | undefined, value: T): T[] {
  const out = [...(list ?? [])];
  if (!out.includes(value)) out.push(value);
  return out;
}
