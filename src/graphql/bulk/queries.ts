/** The bulk job queries: one job (E14) and the account's jobs (E13). */
import { accountIdArgOptions, resolveAccountId } from '../account.js';
import { cloudflareCalls, pagedCloudflareCall, builder } from '../builder.js';
import { BulkAction, JobStatus } from '../enums.js';
import { isNotFound } from '../errors.js';
import { filterDigest } from '../pagination/cursors.js';
import { pageConnection } from '../pagination/page-number-connection.js';
import { jobIdSchema, parseArgument } from '../validation.js';
import { BulkJobRef, withTotal } from './types.js';

const JOBS_PAGE_CAP = 100;
const JOBS_DEFAULT_PAGE = 20;

const BulkJobFilterInput = builder.inputType('BulkJobFilter', {
  description: 'Filters of the bulk job list (E13).',
  fields: (t) => ({
    action: t.field({ type: BulkAction.ref, description: 'Only jobs of this kind.' }),
    status: t.field({ type: JobStatus.ref, description: 'Only jobs in this state.' }),
  }),
});

builder.queryFields((t) => ({
  bulkJob: t.field({
    type: BulkJobRef,
    directives: cloudflareCalls(1),
    description: 'One bulk job (E14). Null when Cloudflare does not know it (never created, or deleted).',
    args: {
      id: t.arg.id({ required: true, description: 'Job id.' }),
      accountId: t.arg.string(accountIdArgOptions),
    },
    resolve: async (_root, args, context) => {
      const accountId = resolveAccountId(context, args.accountId);
      const id = parseArgument(jobIdSchema, args.id, 'id');
      try {
        return { ...(await context.client.emailSecurity.investigate.bulk.get(accountId, id)), accountId };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
  }),
  bulkJobs: t.connection(
    {
      type: BulkJobRef,
      nullable: false,
      directives: pagedCloudflareCall(JOBS_DEFAULT_PAGE),
      description: `Bulk jobs of the account (E13), newest first. \`first\`/\`last\` are capped at ${JOBS_PAGE_CAP} (default ${JOBS_DEFAULT_PAGE}). Cursors are offsets: a job created while paging shifts later pages by one.`,
      args: {
        filter: t.arg({ type: BulkJobFilterInput, description: 'Filters.' }),
        accountId: t.arg.string(accountIdArgOptions),
      },
      resolve: (_root, args, context) => {
        const accountId = resolveAccountId(context, args.accountId);
        const filter = { action_type: args.filter?.action ?? undefined, status: args.filter?.status ?? undefined };
        return pageConnection(args, {
          digest: filterDigest({ list: 'bulkJobs', accountId, filter }),
          cap: JOBS_PAGE_CAP,
          defaultSize: JOBS_DEFAULT_PAGE,
          fetch: async (page, perPage) =>
            withTotal(
              await context.client.emailSecurity.investigate.bulk.list(accountId, {
                ...filter,
                page,
                per_page: perPage,
              }),
            ),
          map: (job) => ({ ...job, accountId }),
        });
      },
    },
    { name: 'BulkJobConnection', description: 'A page of bulk jobs.' },
    { name: 'BulkJobEdge', description: 'A bulk job in a page, with its cursor.' },
  ),
}));
