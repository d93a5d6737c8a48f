/** Word lists for realistic-looking seed data. Domains are fictional (contoso/fabrikam style). */
import type { Disposition } from './wire-types.js';

export const FIRST_NAMES = [
  'Alice',
  'Bob',
  'Carla',
  'David',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Yusuf',
  'Zoe',
] as const;
export const LAST_NAMES = [
  'Anders',
  'Brooks',
  'Chen',
  'Diaz',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ito',
  'Jansen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Silva',
  'Tanaka',
  'Varga',
  'Weber',
  'Young',
] as const;

/** Legitimate outside correspondents. */
export const PARTNER_DOMAINS = [
  'northwindtraders.com',
  'adventure-works.com',
  'wingtiptoys.com',
  'tailspintoys.com',
  'litware.com',
  'proseware.com',
  'woodgrovebank.com',
  'lucernepublishing.com',
] as const;
export const BULK_SENDERS = [
  ['news@mail.lucernepublishing.com', 'Lucerne Weekly'],
  ['deals@promo.wingtiptoys.com', 'Wingtip Toys'],
  ['no-reply@notifications.proseware.com', 'Proseware Notifications'],
  ['updates@newsletter.adatum.com', 'Adatum Updates'],
] as const;
export const BAD_DOMAINS = [
  'secure-login-verify.xyz',
  'micros0ft-support.top',
  'docusign-review.click',
  'paypa1-billing.info',
  'invoice-portal.online',
  'sharepoint-files.live',
  'office365-auth.icu',
  'wire-dept.co',
] as const;
export const SPAM_DOMAINS = ['bestdeals4u.biz', 'cheap-pharma.ru', 'lottery-winner.win', 'crypto-profit.club'] as const;
export const FREEMAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me'] as const;

export const SUBJECTS: Readonly<Record<Disposition, readonly string[]>> = {
  MALICIOUS: [
    'Action required: verify your account within 24 hours',
    'Invoice #{n} is overdue',
    'Your mailbox is almost full',
    'DocuSign: Please review and sign the document',
    'Voicemail received ({n} seconds)',
    'Payment failed - update billing details',
  ],
  'MALICIOUS-BEC': [
    'Urgent wire transfer',
    'Are you available?',
    'Change of bank details for invoice {n}',
    'Quick favour - gift cards',
  ],
  SUSPICIOUS: [
    'Shared file: Q{q} results.xlsx',
    'Password expiry notice',
    'New sign-in to your account',
    'Re: outstanding payment',
  ],
  SPOOF: [
    'Payroll update from HR',
    'Message from the CEO',
    'Updated direct deposit form',
    'IT: mandatory security training',
  ],
  SPAM: [
    'You won a {n} USD gift card!',
    'Lose 10 kg in 10 days',
    'Exclusive crypto opportunity',
    'Cheap meds online, no prescription',
  ],
  BULK: [
    'Your weekly digest',
    'Your order #{n} has shipped',
    'Black Friday: 40% off everything',
    'Webinar invitation: cloud security 101',
  ],
  ENCRYPTED: ['Secure message: signed contract', 'Encrypted: HR case {n}', 'Confidential: board pack'],
  EXTERNAL: ['Meeting notes from our call', 'Proposal for Q{q} engagement', 'Introduction: {name}'],
  UNKNOWN: ['Re: follow up', 'Fwd: document', '(no subject)'],
  NONE: [
    'Lunch on Friday?',
    'Quarterly planning',
    'Re: project update',
    'Team offsite agenda',
    'Invoice {n} attached',
    'Re: contract redlines',
    'Travel itinerary',
    'Welcome to the team!',
  ],
};

export const DETECTION_REASONS: Readonly<Record<Disposition, readonly string[]>> = {
  MALICIOUS: [
    'Credential harvesting link detected',
    'Sender domain registered recently',
    'Malicious attachment (macro-enabled document)',
    'Known phishing kit fingerprint',
  ],
  'MALICIOUS-BEC': [
    'Executive impersonation',
    'Reply-To differs from sender',
    'Payment request language',
    'Freemail sender using display name of an employee',
  ],
  SUSPICIOUS: ['Link to newly seen domain', 'Unusual sender for recipient', 'Suspicious attachment name'],
  SPOOF: ['Sender domain fails DMARC', 'Display name spoofs internal user', 'SPF hard fail'],
  SPAM: ['Spam content fingerprint', 'Sender IP on spam blocklist'],
  BULK: ['Bulk sender', 'List-Unsubscribe header present'],
  ENCRYPTED: ['Encrypted content could not be scanned'],
  EXTERNAL: ['External sender'],
  UNKNOWN: ['Scan inconclusive'],
  NONE: [],
};

export const THREAT_CATEGORIES: Readonly<Record<Disposition, readonly string[]>> = {
  MALICIOUS: ['CredentialHarvester', 'Malware', 'LinkReputation', 'IPReputation', 'BrandImpersonation'],
  'MALICIOUS-BEC': ['BEC', 'Impersonation', 'ASNReputation'],
  SUSPICIOUS: ['LinkReputation', 'IPReputation', 'ASNReputation'],
  SPOOF: ['Spoof', 'Impersonation'],
  SPAM: ['Spam', 'IPReputation'],
  BULK: ['Bulk'],
  ENCRYPTED: [],
  EXTERNAL: [],
  UNKNOWN: [],
  NONE: [],
};

/** E3 threat categories with numeric ids (ThreatCategory). */
export const THREAT_CATEGORY_IDS: Readonly<Record<string, { id: number; description: string }>> = {
  CredentialHarvester: { id: 1201, description: 'Attempts to steal credentials via a fake login page' },
  Malware: { id: 1202, description: 'Contains or links to malicious software' },
  LinkReputation: { id: 1203, description: 'Links to a domain with poor reputation' },
  IPReputation: { id: 1204, description: 'Sent from an IP address with poor reputation' },
  BrandImpersonation: { id: 1205, description: 'Impersonates a well-known brand' },
  BEC: { id: 1206, description: 'Business email compromise' },
  Impersonation: { id: 1207, description: 'Impersonates a person in the organisation' },
  ASNReputation: { id: 1208, description: 'Sent from an autonomous system with poor reputation' },
  Spoof: { id: 1209, description: 'Sender address is spoofed' },
  Spam: { id: 1210, description: 'Unsolicited bulk commercial email' },
  Bulk: { id: 1211, description: 'Legitimate bulk / marketing email' },
};

export const AS_NAMES = [
  [13335, 'CLOUDFLARENET'],
  [15169, 'GOOGLE'],
  [8075, 'MICROSOFT-CORP-MSN-AS-BLOCK'],
  [16509, 'AMAZON-02'],
  [14061, 'DIGITALOCEAN-ASN'],
  [24940, 'HETZNER-AS'],
  [9009, 'M247'],
  [45102, 'ALIBABA-CN-NET'],
] as const;
export const GEOS = [
  'US/-/-',
  'DE/BE/Berlin',
  'GB/ENG/London',
  'NL/NH/Amsterdam',
  'SG/-/-',
  'RU/MOW/Moscow',
  'BR/SP/Sao Paulo',
  'US/CA/San Francisco',
] as const;
