/**
 * Alternative (a)/(b): an internal app calling Cloudflare's official `cloudflare` SDK directly for the
 * triage page, written the way such apps usually are, served as a tiny node:http endpoint so the load
 * generator hits it exactly like the gateway. Env: PORT, MODE (`sequential` | `parallel`),
 * CLOUDFLARE_BASE_URL (the simulator), CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID.
 *
 * - sequential: list, then `await detections.get(...)` for each message in a for-loop;
 * - parallel: list, then `Promise.all` over the page.
 *
 * `/message?id=` is a message's page: detection, trace and preview at once (`Promise.all`).
 */
import Cloudflare from 'cloudflare';
import { serveOnLoopback } from './serve.js';

const mode = process.env.MODE === 'parallel' ? 'parallel' : 'sequential';
const accountId = process.env.CLOUDFLARE_ACCOUNT_ID ?? '';
const client = new Cloudflare({
  apiToken: process.env.CLOUDFLARE_API_TOKEN ?? null,
  apiKey: null,
  apiEmail: null,
  userServiceKey: null,
  baseURL: process.env.CLOUDFLARE_BASE_URL ?? null,
  maxRetries: 0,
});

type Detection = Awaited<ReturnType<typeof client.emailSecurity.investigate.detections.get>>;

async function triagePage(pageSize: number) {
  const page = await client.emailSecurity.investigate.list({
    account_id: accountId,
    detections_only: true,
    per_page: pageSize,
  });
  const messages = page.result;
  let detections: Detection[];
  if (mode === 'sequential') {
    detections = [];
    for (const message of messages) {
      detections.push(await client.emailSecurity.investigate.detections.get(message.id, { account_id: accountId }));
    }
  } else {
    detections = await Promise.all(
      messages.map((message) => client.emailSecurity.investigate.detections.get(message.id, { account_id: accountId })),
    );
  }
  return {
    // The SDK's ResultInfo type has no total_count, although Cloudflare sends it.
    totalCount: (page.result_info as { total_count?: number }).total_count ?? null,
    messages: messages.map((message, index) => {
      const detection = detections[index];
      return {
        id: message.id,
        subject: message.subject ?? null,
        from: message.from ?? null,
        fromName: message.from_name ?? null,
        to: message.to ?? null,
        scannedAt: message.scanned_at ?? null,
        finalDisposition: message.final_disposition ?? null,
        deliveryMode: message.delivery_mode ?? null,
        isQuarantined: message.is_quarantined,
        threatCategories: message.threat_categories ?? [],
        detection: detection && {
          action: detection.action,
          finalDisposition: detection.final_disposition ?? null,
          threatCategories: detection.threat_categories.map((category) => ({
            id: category.id ?? null,
            name: category.name ?? null,
          })),
          links: detection.links.map((link) => ({ href: link.href })),
          attachments: detection.attachments.map((attachment) => ({
            filename: attachment.filename ?? null,
            sha256: attachment.sha256 ?? null,
          })),
        },
      };
    }),
  };
}

/** The message page: the id is known from the triage page, so its three calls go out together. */
async function messagePage(id: string) {
  const [detection, trace, preview] = await Promise.all([
    client.emailSecurity.investigate.detections.get(id, { account_id: accountId }),
    client.emailSecurity.investigate.trace.get(id, { account_id: accountId }),
    client.emailSecurity.investigate.preview.get(id, { account_id: accountId }),
  ]);
  return {
    id,
    detection: { action: detection.action, findings: detection.findings ?? [] },
    trace: { inbound: trace.inbound, outbound: trace.outbound },
    preview: { dataUrl: `data:image/png;base64,${preview.screenshot}` },
  };
}

const answer = (response: import('node:http').ServerResponse, work: Promise<unknown>) =>
  work.then(
    (body) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    },
    (error: unknown) => {
      response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
    },
  );

serveOnLoopback((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/health') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  if (url.pathname === '/triage') answer(response, triagePage(Number(url.searchParams.get('first') ?? 25)));
  else if (url.pathname === '/message') answer(response, messagePage(url.searchParams.get('id') ?? ''));
  else response.writeHead(404).end();
});
