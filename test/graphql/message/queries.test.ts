import { describe, expect, test } from 'vitest';
import { SIMULATOR_SECOND_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { findMessage, t, useMessageGateway } from './helpers.js';

useMessageGateway();

describe('Message fields', () => {
  test('every field of Message, Detection, Trace and Preview resolves for a detected message without errors', async () => {
    const id = await findMessage('detection');
    const { body } = await t.query(
      /* GraphQL */ `
        query All($id: ID!) {
          message(id: $id) {
            id accountId postfixId postfixIdOutbound subject from fromName to toName replyTo envelopeFrom envelopeTo
            clientRecipients messageId alertId edfHash htmltextStructureHash sentAt scannedAt ts sentDate
            finalDisposition deliveryMode deliveryStatus isQuarantined isPhishSubmission detectionReasons threatCategories
            validation { spf dkim dmarc comment }
            properties { allowlistedPattern allowlistedPatternType blocklistedMessage blocklistedPattern whitelistedPatternType }
            postDeliveryOperations
            actionLog { operation completedAt status folder requestedBy }
            smtpHeloServerIp smtpPreviousHopIp xOriginatingIp
            findings { name value detail reason field portion attachment score detection }
            detection {
              action finalDisposition
              attachments { name filename size contentType encrypted detection md5 sha1 sha256 }
              findings { name detection score }
              headers { name value }
              links { href text }
              senderInfo { ip asName asNumber geo pld }
              threatCategories { id name description }
              validation { spf dkim dmarc comment }
            }
            trace { inbound { pending lines { lineno loggedAt message ts } } outbound { pending lines { lineno message } } }
            preview { screenshot dataUrl source }
            raw
          }
        }
      `,
      { id },
    );
    expect(body.errors).toBeUndefined();
    const message = (body.data as { message: Record<string, unknown> }).message;
    expect(message.id).toBe(id);
    expect(message.finalDisposition).toBe('MALICIOUS');
    expect((message.preview as { dataUrl: string; source: string }).dataUrl).toMatch(/^data:image\/png;base64,iVBOR/);
    expect((message.preview as { source: string }).source).toBe('DETECTION');
    expect(message.raw).toMatch(/Subject:/);
    expect(Array.isArray((message.detection as { attachments: unknown[] }).attachments)).toBe(true);
    expect(t.sim.count('emailSecurity.investigate.preview.get')).toBe(1);
  });

  test('a benign message gets its preview from E5 and a null raw EML', async () => {
    const id = await findMessage('NONE');
    const { body } = await t.query<{ message: { preview: { source: string }; raw: string | null } }>(
      `query($id: ID!) { message(id: $id) { preview { source } raw } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message.preview.source).toBe('ANY_MESSAGE');
    expect(body.data?.message.raw).toBeNull();
    expect(t.sim.count('emailSecurity.investigate.preview.create')).toBe(1);
    expect(t.sim.count('emailSecurity.investigate.preview.get')).toBe(0);
  });

  test('Cloudflare spellings map to GraphQL enum names (MALICIOUS-BEC becomes MALICIOUS_BEC)', async () => {
    const { body } = await t.query<{ messages: { nodes: { finalDisposition: string | null }[] } }>(
      `{ messages(first: 100) { nodes { finalDisposition } } }`,
    );
    const dispositions = new Set(body.data?.messages.nodes.map((n) => n.finalDisposition));
    expect([...dispositions].every((d) => d === null || /^[A-Z_]+$/.test(d))).toBe(true);
    const all = await t.query<{ messages: { totalCount: number } }>(
      `{ messages(first: 1, filter: { query: "" }) { totalCount } }`,
    );
    expect(all.body.errors).toBeUndefined();
  });

  test('an unknown enum value from Cloudflare becomes null with the rest of the message intact', async () => {
    const id = await findMessage('detection');
    t.sim.injectFault({
      endpoint: 'emailSecurity.investigate.get',
      response: { kind: 'enum-drift', field: 'final_disposition', value: 'QUANTUM' },
    });
    const { body } = await t.query<{ message: { id: string; finalDisposition: string | null } }>(
      `query($id: ID!) { message(id: $id) { id finalDisposition } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.message).toEqual({ id, finalDisposition: null });
  });

  test('message returns null when Cloudflare answers 404', async () => {
    const { body } = await t.query(`{ message(id: "4Njp3P0STMz2c02Q-2024-01-05T10:00:00-00000000") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ message: null });
  });

  test('the filter reaches E1 with Cloudflare spellings', async () => {
    await t.query(
      `{ messages(first: 5, filter: { finalDisposition: SPAM, detectionsOnly: true, sender: "x@example.com" }) { totalCount } }`,
    );
    const search = t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.list');
    expect(search?.query.final_disposition).toEqual(['SPAM']);
    expect(search?.query.detections_only).toEqual(['true']);
    expect(search?.query.sender).toEqual(['x@example.com']);
    expect(search?.query.per_page).toEqual(['5']);
  });

  test('the smtpHeloIp filter reaches E1 as smtp_helo_ip and returns only messages from that HELO IP', async () => {
    const sample = t.sim.state
      .listMessages(t.gateway.services.config.accountId as string)
      .find((m) => m.smtp_helo_server_ip);
    const ip = sample?.smtp_helo_server_ip as string;
    const { body } = await t.query<{ messages: { nodes: { id: string; smtpHeloServerIp: string | null }[] } }>(
      `query($ip: String) { messages(first: 50, filter: { smtpHeloIp: $ip }) { nodes { id smtpHeloServerIp } } }`,
      { ip },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.map((n) => n.id)).toContain(sample?.id);
    expect(body.data?.messages.nodes.every((n) => n.smtpHeloServerIp === ip)).toBe(true);
    expect(t.sim.requests.find((r) => r.endpoint === 'emailSecurity.investigate.list')?.query.smtp_helo_ip).toEqual([
      ip,
    ]);
  });

  test('the accountId argument overrides the configured account', async () => {
    const { body } = await t.query<{ messages: { nodes: { accountId: string }[] } }>(
      `query($a: String) { messages(first: 2, accountId: $a) { nodes { accountId } } }`,
      { a: SIMULATOR_SECOND_ACCOUNT_ID },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.messages.nodes.every((n) => n.accountId === SIMULATOR_SECOND_ACCOUNT_ID)).toBe(true);
    expect(t.sim.requests[0]?.path).toContain(SIMULATOR_SECOND_ACCOUNT_ID);
  });
});
