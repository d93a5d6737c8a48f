/**
 * Security Center insights: type, queries (list, counts, audit log) and mutations (classify, dismiss).
 */
export {};
