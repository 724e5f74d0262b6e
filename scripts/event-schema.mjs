// Writes docs/pos-event.schema.json from the zod schemas (after a build): `npm run schema`.
// A unit test fails while the committed file differs from what the code generates.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { posEventJsonSchemaText } = createRequire(import.meta.url)(
  join(root, 'dist/nodes/core/events/json-schema.js'),
);
writeFileSync(join(root, 'docs/pos-event.schema.json'), posEventJsonSchemaText());
