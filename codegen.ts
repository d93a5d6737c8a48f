import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for internal apps and tests, from the checked-in SDL and the named operations in
 * schema/operations. The client preset also writes `persisted-documents.json` (sha256 → document):
 * the trusted-documents manifest the gateway enforces with PERSISTED_OPERATIONS_ONLY=true.
 * `emitLegacyCommonJSImports: false` makes the preset write `./graphql.js` imports: under NodeNext
 * module resolution, the extensionless imports it writes by default fail with TS2835.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  emitLegacyCommonJSImports: false,
  generates: {
    'src/generated/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256', mode: 'embedHashInDocument' } },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
    },
  },
};

export default config;
