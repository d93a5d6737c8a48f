/**
 * The simulator's mutable world, as handlers and tests see it: messages per account (mailboxes.ts),
 * bulk jobs (bulk-jobs.ts), insights with their audit logs (insight-store.ts), pending slow searches
 * (slow-search.ts), and the miscategorization and reclassification submissions. seed.ts lays it out.
 *
 * Bulk jobs progress lazily with time and change messages as they go, so every read or write of
 * messages or jobs here first lets the jobs catch up (`tick()`).
 */
import { BulkJobEngine, type JobRecord, type NewJob } from './bulk-jobs.js';
import type { StoredIssue } from './insights-data.js';
import { type InsightScope, InsightStore } from './insight-store.js';
import { Mailboxes, type MoveResultMessageId } from './mailboxes.js';
import { type StoredMessage, isoZ } from './messages.js';
import { type Rng, mulberry32 } from './prng.js';
import type { SearchFilter } from './search.js';
import { type SeedSettings, seedWorld } from './seed.js';
import { SlowSearches } from './slow-search.js';
import type {
  AuditLogEntry,
  BulkJob,
  BulkJobMessage,
  Destination,
  Issue,
  Message,
  Miscategorization,
  MoveResult,
  ReleaseResult,
  UserClassification,
} from './wire-types.js';

export type { InsightScope } from './insight-store.js';
export type { MoveResultMessageId } from './mailboxes.js';

export interface StateConfig extends SeedSettings {
  bulkJobStepMs: number;
  /** The simulator clock (ms): `now` option + real elapsed time. */
  clock: () => number;
  /** Knob defaults; `load()` puts them back. */
  e1Paging?: E1Paging;
  moveResultMessageId?: MoveResultMessageId;
}

/**
 * How E1 pages. `cursor` is Cloudflare's current OpenAPI document (contract#current-api): `next`/`previous`
 * cursors, `page` and `total_count` "Deprecated: Returns always 0", and a `page` in the request is
 * ignored. `legacy` is the older shape: real `page`/`total_count`, no cursors, paged by `page`.
 */
export type E1Paging = 'cursor' | 'legacy';

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

export class SimulatorState {
  readonly miscategorizations: MiscategorizationRecord[] = [];
  readonly reclassifications: ReclassificationRecord[] = [];
  readonly slowSearches = new SlowSearches();
  e1Paging: E1Paging = 'cursor';
  moveResultMessageId: MoveResultMessageId = 'rfc822';
  private runtimeRng: Rng = mulberry32(1);
  private readonly mailboxes: Mailboxes;
  private readonly jobs: BulkJobEngine;
  private readonly insights: InsightStore;

  constructor(private readonly config: StateConfig) {
    this.mailboxes = new Mailboxes({
      now: () => this.now(),
      rng: () => this.runtimeRng,
      moveResultMessageId: () => this.moveResultMessageId,
    });
    this.jobs = new BulkJobEngine(this.mailboxes, () => this.now(), config.bulkJobStepMs);
    this.insights = new InsightStore(
      () => this.now(),
      () => this.runtimeRng,
    );
    this.load();
  }

  /** (Re)builds everything from the seed. */
  load(): void {
    this.mailboxes.clear();
    this.jobs.clear();
    this.insights.clear();
    this.miscategorizations.length = 0;
    this.reclassifications.length = 0;
    this.runtimeRng = mulberry32((this.config.seed ^ 0x5bd1e995) >>> 0);
    this.e1Paging = this.config.e1Paging ?? 'cursor';
    this.moveResultMessageId = this.config.moveResultMessageId ?? 'rfc822';
    seedWorld(this.config, { mailboxes: this.mailboxes, jobs: this.jobs, insights: this.insights });
  }

  now(): number {
    return this.config.clock();
  }

  /** Lets running bulk jobs catch up with the time that passed. */
  tick(): void {
    this.jobs.tick();
  }

  // ───────────────────────────── accounts and messages ─────────────────────────────

  get accountIds(): string[] {
    return this.mailboxes.accountIds;
  }

  hasAccount(accountId: string): boolean {
    return this.mailboxes.has(accountId);
  }

  /** A message from either datastore (regular or submissions). */
  getMessage(accountId: string, id: string): Message | undefined {
    return this.findStored(accountId, id)?.msg;
  }

  /** Messages newest first. `submissions: true` lists the submissions datastore instead. */
  listMessages(accountId: string, options: { submissions?: boolean } = {}): Message[] {
    this.tick();
    return this.mailboxes
      .sorted(accountId)
      .filter((s) => s.submission === (options.submissions ?? false))
      .map((s) => s.msg);
  }

  search(accountId: string, filter: SearchFilter): StoredMessage[] {
    this.tick();
    return this.mailboxes.search(accountId, filter);
  }

  findStored(accountId: string, id: string): StoredMessage | undefined {
    this.tick();
    return this.mailboxes.find(accountId, id);
  }

  findByPostfixId(accountId: string, postfixId: string): StoredMessage | undefined {
    return this.mailboxes.findByPostfixId(accountId, postfixId);
  }

  /** "New mail arrives": `count` messages scanned at the current simulator time. */
  addMessages(accountId: string, count: number): string[] {
    return this.mailboxes.receive(accountId, count);
  }

  moveMessage(stored: StoredMessage, destination: Destination, requestedBy: string): MoveResult[] {
    return this.mailboxes.move(stored, destination, requestedBy);
  }

  releaseMessage(stored: StoredMessage, requestedBy: string): ReleaseResult {
    return this.mailboxes.release(stored, requestedBy);
  }

  /** E10: logged on the message and recorded here; the disposition does not change. */
  reclassify(
    stored: StoredMessage,
    record: Omit<ReclassificationRecord, 'at' | 'accountId' | 'investigateId'>,
    requestedBy: string,
  ): void {
    const at = this.mailboxes.reclassify(stored, requestedBy);
    this.reclassifications.push({ accountId: stored.accountId, investigateId: stored.msg.id, at, ...record });
  }

  // ───────────────────────────── bulk jobs ─────────────────────────────

  getBulkJob(accountId: string, jobId: string): BulkJob | undefined {
    this.tick();
    return this.jobs.find(accountId, jobId)?.job;
  }

  /** Newest first. */
  listBulkJobs(accountId: string): BulkJob[] {
    this.tick();
    return this.jobs.list(accountId);
  }

  getBulkJobMessages(accountId: string, jobId: string): BulkJobMessage[] | undefined {
    this.tick();
    return this.jobs.find(accountId, jobId)?.rows;
  }

  /** 404 for an unknown job. */
  jobRecord(accountId: string, jobId: string): JobRecord {
    this.tick();
    return this.jobs.record(accountId, jobId);
  }

  createJob(accountId: string, input: NewJob): BulkJob {
    this.tick();
    return this.jobs.create(accountId, input);
  }

  deleteJob(accountId: string, jobId: string): void {
    this.tick();
    this.jobs.delete(accountId, jobId);
  }

  cancelJob(accountId: string, jobId: string): BulkJob {
    this.tick();
    return this.jobs.cancel(accountId, jobId);
  }

  // ───────────────────────────── insights ─────────────────────────────

  insightScope(kind: 'accounts' | 'zones', id: string): InsightScope | undefined {
    return this.insights.scope(kind, id);
  }

  /** `scopeId` is an account id or a zone id. */
  getInsight(scopeId: string, issueId: string): Issue | undefined {
    return this.insights.anyScope(scopeId)?.byId.get(issueId)?.issue;
  }

  listInsights(scopeId: string): Issue[] {
    return (this.insights.anyScope(scopeId)?.issues ?? []).map((s) => s.issue);
  }

  listAuditLog(scopeId: string): AuditLogEntry[] {
    return [...(this.insights.anyScope(scopeId)?.audit ?? [])];
  }

  issueOf(scope: InsightScope, issueId: string): StoredIssue {
    return this.insights.issueOf(scope, issueId);
  }

  dismiss(scope: InsightScope, issueId: string, dismiss: boolean): void {
    this.insights.dismiss(scope, issueId, dismiss);
  }

  classify(
    scope: InsightScope,
    issueId: string,
    classification: UserClassification | null,
    rationale: string | undefined,
    changedBy: string,
  ): void {
    this.insights.classify(scope, issueId, classification, rationale, changedBy);
  }

  // ───────────────────────────── intel ─────────────────────────────

  recordMiscategorization(accountId: string, body: Miscategorization): void {
    this.miscategorizations.push({ accountId, at: isoZ(this.now()), body });
  }
}
