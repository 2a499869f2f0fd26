'use strict';
/**
 * esbuild options for every Lambda bundle: used by serverless-esbuild (`custom.esbuild.config` in
 * serverless.yml) and by the cold-start benchmark, so what is measured is what is deployed.
 *
 * - ESM, minified, tree-shaken, with source maps (NODE_OPTIONS=--enable-source-maps in serverless.yml).
 * - The few @aws-sdk clients used are bundled: that starts faster than loading the runtime's full copy.
 * - mainFields module,main: the SDK's ES builds cut a bundled DynamoDB client by ~20 ms init and ~200 KB.
 * - The banner gives CommonJS dependencies (Powertools Tracer → aws-xray-sdk-core) a `require` in ESM.
 */
const options = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  treeShaking: true,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __tenancyCreateRequire } from 'node:module'; const require = __tenancyCreateRequire(import.meta.url);",
  },
};

module.exports = () => ({ ...options, banner: { ...options.banner } });
module.exports.options = options;
