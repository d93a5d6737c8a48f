import type { CodegenConfig } from '@graphql-codegen/cli';
import { preset as clientPreset } from '@graphql-codegen/client-preset';

/** Where the gateway reads its trusted-documents allow-list (src/plugins/persisted.ts). */
const SERVER_MANIFEST = 'src/generated/persisted-documents.json';

/**
 * The client preset, plus a copy of its `persisted-documents.json` for the server: the typed
 * documents are client code and stay out of the server build (they live in client/), while the
 * gateway needs the manifest it enforces inside src/. Both files come from the same generation.
 */
const clientPresetWithServerManifest: typeof clientPreset = {
  ...clientPreset,
  async buildGeneratesSection(options) {
    const sections = await clientPreset.buildGeneratesSection(options);
    const manifest = sections.find((section) => section.filename.endsWith('/persisted-documents.json'));
    if (!manifest) throw new Error('the client preset wrote no persisted-documents.json: is persistedDocuments on?');
    return [...sections, { ...manifest, filename: SERVER_MANIFEST }];
  },
};

/**
 * Typed documents for internal apps and tests, from the checked-in SDL and the named operations in
 * schema/operations, written to client/generated/gql/ (the package in client/ exports them). The
 * client preset also writes `persisted-documents.json` (sha256 → document): the trusted-documents
 * manifest the gateway enforces with PERSISTED_OPERATIONS_ONLY=true, copied to src/generated/.
 * `emitLegacyCommonJSImports: false` makes the preset write `./graphql.js` imports: under NodeNext
 * module resolution, the extensionless imports it writes by default fail with TS2835.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  emitLegacyCommonJSImports: false,
  generates: {
    'client/generated/gql/': {
      preset: clientPresetWithServerManifest,
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256', mode: 'embedHashInDocument' } },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
    },
  },
};

export default config;
