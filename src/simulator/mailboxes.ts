/**
 * Every account's messages (both datastores) and what can happen to a message: new mail arriving,
 * a move (E8/E9, bulk MOVE), a release (E11, bulk RELEASE), a reclassification request (E10).
 * Bulk-job progress is not this file's business: SimulatorState lets the jobs catch up before any read.
 */
import { type AccountProfile, type StoredMessage, isoZ, makeMessage } from './messages.js';
import { type Rng, weighted } from './prng.js';
import { type SearchFilter, matchesSearch } from './search.js';
import type { Destination, Disposition, MoveResult, ReleaseResult } from './wire-types.js';

/**
 * What E8/E9 rows carry in `message_id` ("Message identifier.", nullable; contract#current-api does not say which id).
 * `rfc822`: the message's RFC 822 Message-ID (null when it has none). `investigate`: the investigate id.
 */
export type MoveResultMessageId = 'rfc822' | 'investigate';

/** What the mailboxes read from the rest of the simulator when something happens. */
export interface MailboxEnvironment {
  /** The simulator clock (ms). */
  now(): number;
  /** The runtime PRNG (new mail); a getter because a reset replaces it. */
  rng(): Rng;
  moveResultMessageId(): MoveResultMessageId;
}

interface Mailbox {
  profile: AccountProfile;
  messages: Map<string, StoredMessage>;
  /** Newest first; rebuilt after new mail arrives. */
  sorted: StoredMessage[] | null;
}

export class Mailboxes {
  private readonly accounts = new Map<string, Mailbox>();
  private seq = 0;

  constructor(private readonly env: MailboxEnvironment) {}

  clear(): void {
    this.accounts.clear();
    this.seq = 0;
  }

  addAccount(profile: AccountProfile, messages: StoredMessage[]): void {
    const mailbox: Mailbox = { profile, messages: new Map(), sorted: null };
    for (const m of messages) {
      m.seq = this.seq++;
      mailbox.messages.set(m.msg.id, m);
    }
    this.accounts.set(profile.id, mailbox);
  }

  get accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  has(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Both datastores, newest first (equal scan times: last inserted first). */
  sorted(accountId: string): StoredMessage[] {
    const mailbox = this.accounts.get(accountId);
    if (!mailbox) return [];
    if (!mailbox.sorted) {
      mailbox.sorted = [...mailbox.messages.values()].sort((a, b) => {
        const diff = Date.parse(b.msg.scanned_at ?? '') - Date.parse(a.msg.scanned_at ?? '');
        return diff !== 0 ? diff : b.seq - a.seq;
      });
    }
    return mailbox.sorted;
  }

  search(accountId: string, filter: SearchFilter): StoredMessage[] {
    return this.sorted(accountId).filter((s) => matchesSearch(s, filter));
  }

  find(accountId: string, id: string): StoredMessage | undefined {
    return this.accounts.get(accountId)?.messages.get(id);
  }

  findByPostfixId(accountId: string, postfixId: string): StoredMessage | undefined {
    for (const s of this.accounts.get(accountId)?.messages.values() ?? []) if (s.msg.postfix_id === postfixId) return s;
    return undefined;
  }

  /** "New mail arrives": `count` messages scanned at the current simulator time. */
  receive(accountId: string, count: number): string[] {
    const mailbox = this.accounts.get(accountId);
    if (!mailbox) throw new Error(`unknown simulator account ${accountId}`);
    const now = Math.floor(this.env.now() / 1000) * 1000;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const rng = this.env.rng();
      const disposition = weighted<Disposition>(rng, [
        ['NONE', 5],
        ['BULK', 2],
        ['SPAM', 1],
        ['MALICIOUS', 1],
        ['SUSPICIOUS', 1],
      ]);
      const msg = makeMessage(rng, {
        profile: mailbox.profile,
        scannedAt: now,
        disposition,
        deliveryMode: 'DIRECT',
        submission: false,
        now,
      });
      mailbox.messages.set(msg.id, { accountId, msg, submission: false, seq: this.seq++ });
      ids.push(msg.id);
    }
    mailbox.sorted = null;
    return ids;
  }

  /**
   * E8/E9 (and bulk MOVE). One MoveResult per recipient. A message that never reached a mailbox
   * (delivery_status rejected/bounced) cannot be moved: success:false, state unchanged. Moving a
   * quarantined message takes it out of quarantine into the folder (simulator's choice).
   */
  move(stored: StoredMessage, destination: Destination, requestedBy: string): MoveResult[] {
    const msg = stored.msg;
    const at = isoZ(this.env.now());
    const undeliverable = (msg.delivery_status ?? []).some((s) => s === 'rejected' || s === 'bounced');
    const messageIdMode = this.env.moveResultMessageId();
    const results = msg.client_recipients.map(
      (recipient): MoveResult => ({
        success: !undeliverable,
        completed_at: undeliverable ? null : at,
        completed_timestamp: at,
        destination,
        item_count: undeliverable ? 0 : 1,
        message_id: messageIdMode === 'investigate' ? msg.id : (msg.message_id ?? null),
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
  release(stored: StoredMessage, requestedBy: string): ReleaseResult {
    const msg = stored.msg;
    if (!msg.is_quarantined)
      return {
        id: msg.id,
        postfix_id: msg.postfix_id,
        delivered: [],
        failed: [],
        undelivered: [...msg.client_recipients],
      };
    const at = isoZ(this.env.now());
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
   * changed; the action log gains a pending RECLASSIFY entry. Returns when it was asked.
   */
  reclassify(stored: StoredMessage, requestedBy: string): string {
    const at = isoZ(this.env.now());
    stored.msg.action_log.push({
      completed_at: at,
      completed_timestamp: at,
      operation: 'RECLASSIFY',
      properties: { requested_by: requestedBy },
      status: 'pending',
    });
    return at;
  }
}

function addUnique<T>(list: T[] | null | undefined, value: T): T[] {
  const out = [...(list ?? [])];
  if (!out.includes(value)) out.push(value);
  return out;
}
