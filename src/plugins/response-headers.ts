import type { Plugin } from 'graphql-yoga';

/**
 * Mail must not be kept by a browser or a shared proxy cache, and a response that depends on the
 * caller's Origin must say so. A response that already states its caching (the GraphiQL page, which
 * holds no mail) keeps it: GraphQL answers never set one themselves.
 */
export function useResponseHeaders(graphqlEndpoint: string, corsConfigured: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      if (!new URL(request.url).pathname.endsWith(graphqlEndpoint)) return;
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
      if (corsConfigured) response.headers.append('vary', 'Origin');
    },
  };
}
