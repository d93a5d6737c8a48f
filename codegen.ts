import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for internal apps and tests, from the checked-in SDL and the named operations.
 * `emitLegacyCommonJSImports: false` makes the client preset write `./graphql.js` imports, which
 * NodeNext needs (stack-verified.md pitfall 8).
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  emitLegacyCommonJSImports: false,
  ignoreNoDocuments: true,
  generates: {
    'src/generated/gql/': { preset: 'client', config: { enumsAsTypes: true, useTypeImports: true } },
  },
};

export default config;
