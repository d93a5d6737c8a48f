/**
 * The bulk-job engine (E12–E17). Jobs progress lazily: `tick()` replays the steps that
 * `stepMs` of real time allow, PENDING → DISCOVERING → PROCESSING (a slice of messages per step)
 * → COMPLETED. No timers, so nothing to leak and fully deterministic for a given sequence of calls.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, CODES } from './envelope.js';
import type { Mailboxes } from './mailboxes.js';
import { type StoredMessage, isoZ } from './messages.js';
import { type SearchFilter, matchesSearch } from './search.js';
import type { BulkAction, BulkJob, BulkJobMessage, Destination, Disposition, SearchParams } from './wire-types.js';
import { TERMINAL_JOB_STATUSES } from './wire-types.js';

/** Messages processed per bulk-job step (a "slice"). */
const JOB_SLICE = 20;

export interface JobRecord {
  job: BulkJob;
  filter: SearchFilter;
  rows: BulkJobMessage[];
  /** Index of the next PENDING row. */
  cursor: number;
  /** Real-clock ms of the last applied step. */
  lastStepAt: number;
  seq: number;
}

export interface NewJob {
  action: BulkAction;
  searchParams: SearchParams;
  filter: SearchFilter;
  comment: string | null;
  destination?: Destination;
  expectedDisposition?: Disposition | null;
}

export class BulkJobEngine {
  /** Account id → job id → job. */
  private readonly jobs = new Map<string, Map<string, JobRecord>>();
  private seq = 0;

  constructor(
    private readonly mailboxes: Mailboxes,
    private readonly now: () => number,
    private readonly stepMs: number,
  ) {}

  clear(): void {
    this.jobs.clear();
    this.seq = 0;
  }

  /** Newest first. */
  list(accountId: string): BulkJob[] {
    return [...(this.jobs.get(accountId)?.values() ?? [])].sort((a, b) => b.seq - a.seq).map((r) => r.job);
  }

  find(accountId: string, jobId: string): JobRecord | undefined {
    return this.jobs.get(accountId)?.get(jobId);
  }

  /** 404 for an unknown job. */
  record(accountId: string, jobId: string): JobRecord {
    const record = this.find(accountId, jobId);
    if (!record) throw new ApiError(404, CODES.JOB_NOT_FOUND, `Bulk job not found: ${jobId}`);
    return record;
  }

  /** A job that is already over (seed history): stored as given, never stepped. */
  addFinished(accountId: string, job: BulkJob, rows: BulkJobMessage[]): void {
    this.jobsOf(accountId).set(job.job_id, {
      job,
      filter: { start: 0, end: 0 },
      rows,
      cursor: rows.length,
      lastStepAt: 0,
      seq: this.seq++,
    });
  }

  create(accountId: string, input: NewJob): BulkJob {
    if (!this.mailboxes.has(accountId))
      throw new ApiError(403, CODES.UNAUTHORIZED, 'Unauthorized to access requested resource');
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
    this.jobsOf(accountId).set(job.job_id, {
      job,
      filter: input.filter,
      rows: [],
      cursor: 0,
      lastStepAt: Date.now(),
      seq: this.seq++,
    });
    return job;
  }

  /** E15. Only terminal jobs can be deleted (E15, contract#bulk-jobs). */
  delete(accountId: string, jobId: string): void {
    const record = this.record(accountId, jobId);
    if (!TERMINAL_JOB_STATUSES.has(record.job.status)) {
      throw new ApiError(
        409,
        CODES.CONFLICT,
        `Bulk job ${jobId} is ${record.job.status}; only COMPLETED, CANCELLED, FAILED or SKIPPED jobs can be deleted (cancel it first)`,
      );
    }
    this.jobs.get(accountId)?.delete(jobId);
  }

  /** E16. Remaining PENDING rows become CANCELLED and are counted in messages_cancelled (contract#versions). */
  cancel(accountId: string, jobId: string): BulkJob {
    const record = this.record(accountId, jobId);
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

  /** Advances every running job by the steps elapsed since its last step. */
  tick(): void {
    const realNow = Date.now();
    const stepMs = Math.max(1, this.stepMs);
    for (const [accountId, jobs] of this.jobs) {
      for (const record of jobs.values()) {
        while (!TERMINAL_JOB_STATUSES.has(record.job.status) && realNow - record.lastStepAt >= stepMs) {
          record.lastStepAt += stepMs;
          this.step(accountId, record);
        }
        if (TERMINAL_JOB_STATUSES.has(record.job.status)) record.lastStepAt = realNow;
      }
    }
  }

  private jobsOf(accountId: string): Map<string, JobRecord> {
    let jobs = this.jobs.get(accountId);
    if (!jobs) {
      jobs = new Map();
      this.jobs.set(accountId, jobs);
    }
    return jobs;
  }

  private step(accountId: string, record: JobRecord): void {
    const { job } = record;
    const at = isoZ(this.now());
    if (job.status === 'PENDING') {
      job.status = 'DISCOVERING';
      job.started_at = at;
      return;
    }
    if (job.status === 'DISCOVERING') {
      const matched = this.mailboxes.sorted(accountId).filter((s) => matchesSearch(s, record.filter));
      record.rows = matched.map((s) => jobRow(job, s, at));
      job.total_messages_discovered = matched.length;
      job.messages_pending = matched.length;
      job.status = matched.length > 0 ? 'PROCESSING' : 'COMPLETED';
      if (matched.length === 0) {
        job.completed_at = at;
        job.status_message = 'No messages matched the search parameters';
      }
      return;
    }
    this.processSlice(accountId, record, at);
  }

  private processSlice(accountId: string, record: JobRecord, at: string): void {
    const { job } = record;
    const requestedBy = `bulk-job:${job.job_id}`;
    const end = Math.min(record.rows.length, record.cursor + JOB_SLICE);
    for (; record.cursor < end; record.cursor++) {
      const row = record.rows[record.cursor];
      if (row?.status !== 'PENDING') continue;
      const stored = this.mailboxes.find(accountId, row.message_id);
      job.messages_pending--;
      row.processed_at = at;
      if (!stored) {
        row.status = 'FAILED';
        row.status_message = 'Message no longer exists';
        job.messages_failed++;
      } else if (job.action_params.type === 'MOVE') {
        const results = this.mailboxes.move(stored, job.action_params.destination, requestedBy);
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
        this.mailboxes.release(stored, requestedBy);
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
}

/** A job's row for one message, still PENDING. */
export function jobRow(job: BulkJob, stored: StoredMessage, at: string): BulkJobMessage {
  const clientRecipient = stored.msg.client_recipients[0] ?? '';
  const params = job.action_params;
  return {
    action_params:
      params.type === 'MOVE'
        ? {
            type: 'MOVE',
            client_recipient: clientRecipient,
            destination: params.destination,
            ...(params.expected_disposition !== undefined ? { expected_disposition: params.expected_disposition } : {}),
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
