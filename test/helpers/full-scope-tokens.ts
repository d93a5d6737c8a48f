import { ALL_SCOPES, createTokenSigner, type SignOptions } from './tokens.js';

/**
 * The importing test file's signer: each test file loads its own copy of this module, so its own key
 * pair. Made at import so every suite's `beforeAll` can start a gateway that trusts `signer.env`.
 */
export const signer = await createTokenSigner();

/** A full-scope token unless the claims say otherwise; `undefined` removes a claim to forge a bad one. */
export const token = (claims: Record<string, unknown> = {}, options?: SignOptions) =>
  signer.sign({ scope: ALL_SCOPES, ...claims }, options);
