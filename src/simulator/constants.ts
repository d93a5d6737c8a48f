/** Fixed identifiers of the simulated tenants (32 lower-case hex, like real Cloudflare ids). */
export const SIMULATOR_ACCOUNT_ID = '023e105f4ecef8ad9ca31a8372d0c353';
/** A second account with its own, smaller data set (tenant isolation tests). */
export const SIMULATOR_SECOND_ACCOUNT_ID = 'b7c4e2f9a1d3456e8f0a2b4c6d8e0f13';
/** The main account's zone, for zone-scoped Security Center insights (contract#scope). */
export const SIMULATOR_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';
/** The zone's numeric tag, as it appears in audit entries' `zone_id` (contract#insights: a number). */
export const SIMULATOR_ZONE_NUMERIC_ID = 482915307;
/**
 * The token a gateway on the simulator sends: any token is accepted except one starting with
 * `invalid` (and `readonly…` may not write).
 */
export const SIMULATOR_DEVELOPMENT_TOKEN = 'simulator-development-token';
