// The event contract for POS integrators as JSON Schema (draft 2020-12), generated from the zod schemas that
// pos-in validates with, so the two cannot drift. pos-in serves it at `<path>/schema.json`; the repository keeps
// a copy in docs/ that a test holds equal to this.
import { z } from 'zod';
import {
  inventoryChangedEvent,
  knownEventTypes,
  otherEvent,
  transactionCompletedEvent,
  transactionRefundedEvent,
  vehiclePositionEvent,
} from './schema';

export const EVENT_SCHEMA_ID =
  'https://github.com/retail-ops/node-red-pos-dingtalk/docs/pos-event.schema.json';

type JsonObject = Record<string, unknown>;

/** An event's schema as a POS may send it: `id` optional, since pos-in then keys the event by its body's digest. */
function toJson(schema: z.ZodType): JsonObject {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonObject;
  delete json.$schema;
  json.required = (json.required as string[]).filter((name) => name !== 'id');
  return json;
}

/** One schema per known type, then any other type with `data` as an object (as validateEvent decides). */
export function posEventJsonSchema(): JsonObject {
  const other = toJson(otherEvent);
  const properties = other.properties as JsonObject;
  // zod's refinement (an unknown type is not a known one) has no JSON Schema form of its own: say it with `not`
  properties.event = { ...(properties.event as JsonObject), not: { enum: [...knownEventTypes] } };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: EVENT_SCHEMA_ID,
    title: 'POS event accepted by pos-in',
    description:
      'The canonical POS event (README, Event reference). Known event types validate their data strictly; ' +
      'other event types pass with data as an object. Extra fields are kept.',
    oneOf: [
      toJson(transactionCompletedEvent),
      toJson(transactionRefundedEvent),
      toJson(inventoryChangedEvent),
      toJson(vehiclePositionEvent),
      other,
    ],
  };
}

let text: string | undefined;

/** The schema as served and committed: two-space JSON with a final newline (made once per process). */
export function posEventJsonSchemaText(): string {
  text ??= `${JSON.stringify(posEventJsonSchema(), null, 2)}\n`;
  return text;
}
