import routes from '../../config/routes.json' with { type: 'json' };
import { type RouteRules, validateRouteRules } from './route-rules';

/**
 * The bundled `config/routes.json`, validated in everything but its tiers and groups (checked against the
 * configuration at cold start). Every configuration built from it shares it; its types are read-only. In a
 * deployed bundle this module is its value, computed when the bundle is built (esbuild.config.cjs,
 * `bundled-route-rules`): a route file that does not validate fails the build, and no cold start parses it
 * (validating the 15 bundled rules was about a third of what the suite's own code added to the authorizer's cold
 * start: docs/benchmarks.md "Cold start").
 */
export const bundledRouteRules: RouteRules = validateRouteRules(routes, 'config/routes.json');
