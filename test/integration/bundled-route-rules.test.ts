import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import bundledRoutes from '../../config/routes.json' with { type: 'json' };
import { buildFunctionBundle } from '../../local/function-bundle';
import { startBudgetMs } from '../../local/start-timeout';
import { type RouteRules, validateRouteRules } from '../../shared/authorizer/route-rules';

// The deployed plugin that validates config/routes.json when a bundle is built (esbuild.config.cjs).
const { bundledRouteRulesAtBuild } = createRequire(import.meta.url)('../../esbuild.config.cjs') as {
  bundledRouteRulesAtBuild: (routesFile?: string) => Plugin;
};
const PLUGIN = 'bundled-route-rules';
const MODULE = join(__dirname, '..', '..', 'shared', 'authorizer', 'bundled-route-rules');

// Building is bound by the machine's speed, like a start-up.
vi.setConfig({ hookTimeout: startBudgetMs(2), testTimeout: startBudgetMs(2) });

describe('the bundled route rules, validated when a bundle is built', () => {
  let out: string;
  let entry: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-route-rules-'));
    // What the authorizer's configuration imports, alone in a bundle built with the deployed options.
    entry = join(out, 'route-rules-entry.ts');
    writeFileSync(entry, `export { bundledRouteRules } from '${MODULE}';\n`);
  });

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('carries the rules as validating config/routes.json gives them, with none of the validation in the bundle', async () => {
    // Prepare
    const expected = validateRouteRules(bundledRoutes, 'config/routes.json');

    // Act
    const bundle = await buildFunctionBundle(entry, out, { folder: 'deployed' });
    const { bundledRouteRules } = (await import(pathToFileURL(bundle.file).href)) as { bundledRouteRules: RouteRules };

    // Assess
    expect(bundledRouteRules).toEqual(expected);
    expect(bundledRouteRules.rules).toHaveLength(bundledRoutes.routes.length);
    const code = bundle.jsFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(code).not.toContain('is not "METHOD /path"');
  });

  it('validates at cold start without the plugin (the control: the check above can tell the two apart)', async () => {
    // Act
    const bundle = await buildFunctionBundle(entry, out, { folder: 'control', without: [PLUGIN] });

    // Assess
    const code = bundle.jsFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(code).toContain('is not "METHOD /path"');
  });

  it('fails the build of a route file that does not validate, with the validation message', async () => {
    // Prepare: two rules a parameter span would make overlap, and a rule that is not "METHOD /path".
    const overlapping = join(out, 'overlapping-routes.json');
    writeFileSync(
      overlapping,
      JSON.stringify({ routes: [{ route: 'GET /items/{id}' }, { route: 'GET /items/{id2}/parts' }] }),
    );
    const malformed = join(out, 'malformed-routes.json');
    writeFileSync(malformed, JSON.stringify({ routes: [{ route: '/health' }] }));
    const notJson = join(out, 'not-json-routes.json');
    writeFileSync(notJson, '{ "routes": [ ');
    const build = (routesFile: string, folder: string) =>
      buildFunctionBundle(entry, out, { folder, without: [PLUGIN], plugins: [bundledRouteRulesAtBuild(routesFile)] });

    // Act / Assess
    await expect(build(overlapping, 'overlapping')).rejects.toThrow(
      /invalid route rules: config\/routes\.json: "GET \/items\/\{id\}" and "GET \/items\/\{id2\}\/parts" overlap/,
    );
    await expect(build(malformed, 'malformed')).rejects.toThrow(
      /invalid route rules: config\/routes\.json: routes\[0\]: "\/health" is not "METHOD \/path"/,
    );
    await expect(build(notJson, 'not-json')).rejects.toThrow(/invalid route rules: .*not-json-routes\.json/);
  });

  it("fails the build of a module named like the bundled rules that is not this repository's, rather than leave it unchecked", async () => {
    // Prepare
    const impostor = join(out, 'bundled-route-rules.ts');
    writeFileSync(impostor, 'export const bundledRouteRules = { rules: [], tenantPrefix: [] };\n');
    const impostorEntry = join(out, 'impostor-entry.ts');
    writeFileSync(impostorEntry, "export { bundledRouteRules } from './bundled-route-rules';\n");

    // Act / Assess
    await expect(buildFunctionBundle(impostorEntry, out, { folder: 'impostor' })).rejects.toThrow(
      /bundled-route-rules\.ts is not .*shared\/authorizer\/bundled-route-rules\.ts: cannot validate the route rules/,
    );
  });
});
