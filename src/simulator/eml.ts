/**
 * RFC 822 / MIME text for E6 ("Returns the raw eml", contract#endpoints (E6)). Lines end in CRLF; attachments are
 * base64 in 76-column lines; the result parses with any MIME parser.
 */
import type { MessageContent } from './content.js';

function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\r\n');
}

export function buildEml(headers: readonly { name: string; value: string }[], content: MessageContent): string {
  const head = headers.map((h) => `${h.name}: ${h.value}`);
  if (content.attachments.length === 0) {
    return [
      ...head,
      'Content-Type: text/plain; charset="utf-8"',
      'Content-Transfer-Encoding: 7bit',
      '',
      content.bodyText,
      '',
    ].join('\r\n');
  }
  const boundary = `=_sim_${content.attachments.map((a) => a.data.length).join('_')}`;
  const parts: string[] = [
    ...head,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: 7bit',
    '',
    content.bodyText,
  ];
  for (const att of content.attachments) {
    parts.push(
      `--${boundary}`,
      `Content-Type: ${att.contentType}; name="${att.filename}"`,
      `Content-Disposition: attachment; filename="${att.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(att.data),
    );
  }
  parts.push(`--${boundary}--`, '');
  return parts.join('\r\n');
}
