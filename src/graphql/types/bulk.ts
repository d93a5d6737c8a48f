/**
 * Bulk jobs (E12–E17): type, queries, mutations and the progress subscription.
 */
export {};
