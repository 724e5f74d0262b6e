// The published JSON Schema, checked with a standard validator (Ajv, draft 2020-12) against what pos-in decides:
// README's examples pass, the same bodies broken are refused by both, and the committed copy is current.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { repoRoot } from '../../../dev/repo-root';
import { posEventJsonSchema, posEventJsonSchemaText } from '../../../nodes/core/events/json-schema';
import { validateEvent } from '../../../nodes/core/events/validate';
import { eventExamples } from '../../support/event-examples';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const reference = readme.slice(readme.indexOf('## Event reference'), readme.indexOf('## Development'));

/** README's JSON examples under the Event reference, as a POS would send them. */
function readmeExamples(): unknown[] {
  return [...reference.matchAll(/```json\n([\s\S]*?)```/g)].map((block) => JSON.parse(block[1] as string));
}

describe('the published event JSON Schema', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const check = ajv.compile(posEventJsonSchema());

  it('is compiled by a standard validator and accepts every README example', () => {
    const examples = readmeExamples();
    assert.ok(examples.length >= Object.keys(eventExamples).length);
    for (const example of examples) assert.equal(check(example), true, JSON.stringify(check.errors));
  });

  it('accepts an event without id (pos-in keys it by the body) and one of a type it does not know', () => {
    const { id: _id, ...withoutId } = eventExamples['transaction.completed'];
    assert.equal(check(withoutId), true, JSON.stringify(check.errors));
    const other = { ...eventExamples['transaction.refunded'], event: 'loyalty.points', data: { points: 3 } };
    assert.equal(check(other), true, JSON.stringify(check.errors));
  });

  it('refuses what pos-in refuses', () => {
    const order = eventExamples['transaction.completed'];
    const broken: unknown[] = [
      { ...order, data: { ...order.data, total: 'lots' } },
      { ...order, data: { ...order.data, currency: 'HKDX' } },
      { ...order, timestamp: '2026-11-20 08:30' },
      { ...order, storeId: '' },
      { ...eventExamples['vehicle.position'], data: { vehicleId: 'VAN-7', lat: 95, lng: 114 } },
      // a known type must carry its own data, not pass as an unknown type
      { ...order, data: { note: 'no order here' } },
      { ...order, event: '' },
    ];
    for (const body of broken) {
      assert.equal(validateEvent(body).ok, false, `pos-in accepts ${JSON.stringify(body)}`);
      assert.equal(check(body), false, `the schema accepts ${JSON.stringify(body)}`);
    }
  });

  it('is committed as docs/pos-event.schema.json, as generated (npm run schema rewrites it)', () => {
    const committed = readFileSync(join(repoRoot, 'docs/pos-event.schema.json'), 'utf8');
    assert.equal(committed, posEventJsonSchemaText());
  });
});
