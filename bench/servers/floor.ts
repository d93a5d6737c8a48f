/**
 * Alternative (c), the floor: bare graphql-yoga + Pothos answering the triage page operation
 * (schema/operations/triage.graphql, same field shape as the gateway) from static data — no
 * upstream, no auth, no logging, no validation. Gateway CPU/request minus this = the gateway's own
 * overhead. Env: PORT.
 */
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import { serveOnLoopback } from './serve.js';

interface Detection {
  action: string;
  finalDisposition: string;
  threatCategories: { id: number; name: string }[];
  links: { href: string }[];
  attachments: { filename: string; sha256: string }[];
}

interface StaticMessage {
  id: string;
  subject: string;
  from: string;
  fromName: string;
  to: string[];
  scannedAt: string;
  finalDisposition: string;
  deliveryMode: string;
  isQuarantined: boolean;
  threatCategories: string[];
  detection: Detection;
}

const DISPOSITIONS = ['MALICIOUS', 'SUSPICIOUS', 'SPOOF', 'SPAM', 'BULK'] as const;
const messages: StaticMessage[] = Array.from({ length: 100 }, (_, index) => {
  const disposition = DISPOSITIONS[index % DISPOSITIONS.length] as string;
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return {
    id: `4Njp3P0STMz2c02Q-2024-01-05T10:00:${String(index % 60).padStart(2, '0')}-${hex(index * 7919)}`,
    subject: `Invoice ${1000 + index} overdue — action required`,
    from: `billing${index}@example-vendor.test`,
    fromName: `Vendor Billing ${index}`,
    to: [`analyst${index % 7}@corp.example`],
    scannedAt: new Date(Date.UTC(2024, 0, 5, 10, 0, index)).toISOString(),
    finalDisposition: disposition,
    deliveryMode: 'DIRECT',
    isQuarantined: index % 3 === 0,
    threatCategories: ['CredentialHarvester', 'BEC'],
    detection: {
      action: index % 3 === 0 ? 'QUARANTINE' : 'DELIVER',
      finalDisposition: disposition,
      threatCategories: [
        { id: 1, name: 'CredentialHarvester' },
        { id: 7, name: 'BEC' },
      ],
      links: [{ href: `https://login-example${index}.test/verify` }, { href: 'https://cdn.example.test/logo.png' }],
      attachments: [{ filename: `invoice-${index}.pdf`, sha256: hex(index).repeat(8) }],
    },
  };
});

// No plugins. `scopeAuth` is only here because the gateway's Pothos plugins augment the builder
// options globally in this TypeScript program; without the plugin registered it is ignored.
const builder = new SchemaBuilder<{ DefaultFieldNullability: true }>({ scopeAuth: { authScopes: () => ({}) } });

const ThreatCategoryRef = builder.objectRef<{ id: number; name: string }>('ThreatCategory').implement({
  fields: (t) => ({ id: t.exposeInt('id'), name: t.exposeString('name') }),
});
const LinkRef = builder.objectRef<{ href: string }>('Link').implement({
  fields: (t) => ({ href: t.exposeString('href') }),
});
const AttachmentRef = builder.objectRef<{ filename: string; sha256: string }>('Attachment').implement({
  fields: (t) => ({ filename: t.exposeString('filename'), sha256: t.exposeString('sha256') }),
});
const DetectionRef = builder.objectRef<Detection>('Detection').implement({
  fields: (t) => ({
    action: t.exposeString('action'),
    finalDisposition: t.exposeString('finalDisposition'),
    threatCategories: t.field({ type: [ThreatCategoryRef], resolve: (d) => d.threatCategories }),
    links: t.field({ type: [LinkRef], resolve: (d) => d.links }),
    attachments: t.field({ type: [AttachmentRef], resolve: (d) => d.attachments }),
  }),
});
const MessageRef = builder.objectRef<StaticMessage>('Message').implement({
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    subject: t.exposeString('subject'),
    from: t.exposeString('from'),
    fromName: t.exposeString('fromName'),
    to: t.exposeStringList('to'),
    scannedAt: t.exposeString('scannedAt'),
    finalDisposition: t.exposeString('finalDisposition'),
    deliveryMode: t.exposeString('deliveryMode'),
    isQuarantined: t.exposeBoolean('isQuarantined'),
    threatCategories: t.exposeStringList('threatCategories'),
    detection: t.field({ type: DetectionRef, resolve: (m) => Promise.resolve(m.detection) }),
  }),
});
interface Edge {
  cursor: string;
  node: StaticMessage;
}
const EdgeRef = builder.objectRef<Edge>('MessageEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: MessageRef, resolve: (e) => e.node }) }),
});
interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
const PageInfoRef = builder.objectRef<PageInfo>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor'),
    endCursor: t.exposeString('endCursor'),
  }),
});
interface Connection {
  totalCount: number;
  pageInfo: PageInfo;
  edges: Edge[];
}
const ConnectionRef = builder.objectRef<Connection>('MessageConnection').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount'),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    edges: t.field({ type: [EdgeRef], resolve: (c) => c.edges }),
  }),
});
const MessageFilter = builder.inputType('MessageFilter', {
  fields: (t) => ({ detectionsOnly: t.boolean() }),
});

builder.queryType({
  fields: (t) => ({
    messages: t.field({
      type: ConnectionRef,
      args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: MessageFilter }) },
      resolve: (_root, args) => {
        const start = args.after ? Number(Buffer.from(args.after, 'base64url').toString()) + 1 : 0;
        const page = messages.slice(start, start + Math.min(100, args.first ?? 25));
        const edges = page.map((node, index) => ({
          cursor: Buffer.from(String(start + index)).toString('base64url'),
          node,
        }));
        return {
          totalCount: messages.length,
          pageInfo: {
            hasNextPage: start + page.length < messages.length,
            hasPreviousPage: start > 0,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
          },
          edges,
        };
      },
    }),
  }),
});

const yoga = createYoga({
  schema: builder.toSchema(),
  graphqlEndpoint: '/graphql',
  healthCheckEndpoint: '/health',
  logging: false,
  landingPage: false,
  graphiql: false,
});
serveOnLoopback(yoga);
