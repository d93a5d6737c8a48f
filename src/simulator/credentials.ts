/** Who is calling (contract#auth): a Bearer token, or X-Auth-Email + X-Auth-Key together. */
export interface Credential {
  /** What the budget is counted per. */
  key: string;
  /** The token or API key: its prefix picks the simulated behaviour (`invalid…` 401, `readonly…` 403 on writes). */
  secret: string;
  /** Audit `changed_by` / action-log `requested_by`. */
  principal: string;
}

/** Header names are lower-case. */
export function credentialOf(headers: Record<string, string>): Credential | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match) {
      const token = match[1] as string;
      return { key: `token:${token}`, secret: token, principal: `api-token:${token.slice(0, 8)}` };
    }
  }
  const email = headers['x-auth-email'];
  const apiKey = headers['x-auth-key'];
  if (email && apiKey) return { key: `key:${email}:${apiKey}`, secret: apiKey, principal: email };
  return undefined;
}
