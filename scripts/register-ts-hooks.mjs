// Lets plain Node scripts import the TypeScript sources in electron/ directly, without a build.
// Node 24 strips TypeScript types natively (nodejs.org/api/typescript.html), but its ESM resolver
// wants file extensions, while the sources import each other without them (house style). This
// resolve hook retries an extensionless relative import from a .ts file with ".ts" appended.
import * as nodeModule from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (typeof nodeModule.registerHooks !== 'function' || !process.features.typescript) {
  console.error(
    `This script needs Node 24 (found ${process.versions.node}), which can run the TypeScript sources directly. ` +
      'Run it with the Node that the project installs: "npx node scripts/<name>.mjs".',
  );
  process.exit(major >= 24 ? 70 : 69);
}

nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const isRelative = specifier.startsWith('./') || specifier.startsWith('../');
      if (isRelative && context.parentURL?.endsWith('.ts') && !/\.[cm]?[jt]s$/.test(specifier)) {
        return nextResolve(`${specifier}.ts`, context);
      }
      throw error;
    }
  },
});
