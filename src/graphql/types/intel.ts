/**
 * Intel: report a miscategorized domain, IP or URL (I1).
 */
export {};
