import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../dev/repo-root';
import { validateEvent } from '../../../nodes/core/events/validate';
import { eventExamples } from '../../support/event-examples';

// The README is compiled nowhere: this keeps its Event reference true to the schemas.
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('README Event reference', () => {
  const reference = readme.slice(readme.indexOf('## Event reference'), readme.indexOf('## Development'));
  for (const [type, example] of Object.entries(eventExamples)) {
    it(`shows a valid ${type} example`, () => {
      const block = new RegExp(`### \`${type.replace('.', '\\.')}\`\\s+\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(
        reference,
      );
      assert.ok(block?.[1], `no example for ${type}`);
      const shown = JSON.parse(block[1]) as unknown;
      assert.deepEqual(shown, example);
      assert.equal(validateEvent(shown).ok, true);
    });
  }
});
