import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * `_service { sdl }` is the whole schema: with introspection off it is refused too, unless
 * SUBGRAPH_SDL=true because a router composes from it at run time (most compose from a registry).
 */
export function useSubgraphSdlGuard(): Plugin {
  const rule = (context: ValidationContext): ASTVisitor => ({
    Field(node) {
      if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
        context.reportError(
          new GraphQLError(
            'The subgraph SDL is not served here (introspection is off); set SUBGRAPH_SDL=true if your router composes from it',
            {
              nodes: [node],
              extensions: { code: 'FORBIDDEN' },
            },
          ),
        );
      }
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
