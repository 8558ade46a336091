#!/usr/bin/env node
// Stand-in for Prisma's native schema engine, which the CLI would otherwise download (no internet here).
// `prisma generate` only checks that the file exists; anything that really needs the engine lands here.
process.stderr.write(
  'The Prisma schema engine is not installed (offline). Apply migrations with `npm run migrate`;\n' +
    'with internet access, unset PRISMA_SCHEMA_ENGINE_BINARY to let the Prisma CLI fetch its engine.\n',
);
process.exit(1);
