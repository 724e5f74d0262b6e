// The canonical POS event (DESIGN.md) as zod schemas; the TypeScript types are derived from them.
// Known event types validate their `data` strictly (required fields, right types) but keep extra fields a POS
// adds, so vendors' additions reach downstream nodes. Unknown event types pass with `data` as any object.
import { z } from 'zod';

/** Money arrives as a JSON number or, from POSes that avoid floats, as a decimal string ("128.50"). */
const money = z.union([
  z.number().finite(),
  z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number'),
]);
const quantity = z.number().finite();
const text = z.string().min(1);

export const lineItemSchema = z.looseObject({ sku: text, name: z.string(), quantity, unitPrice: money });

export const customerSchema = z.looseObject({
  id: text,
  name: z.string().optional(),
  tier: z.string().optional(),
});

export const transactionCompletedSchema = z.looseObject({
  orderId: text,
  total: money,
  currency: z.string().length(3),
  items: z.array(lineItemSchema),
  customer: customerSchema.optional(),
  paymentMethod: z.string().optional(),
  cashierId: z.string().optional(),
});

export const transactionRefundedSchema = z.looseObject({
  orderId: text,
  amount: money,
  currency: z.string().length(3),
  reason: z.string().optional(),
});

export const inventoryChangedSchema = z.looseObject({
  sku: text,
  quantity,
  unit: text,
  name: z.string().optional(),
  previousQuantity: quantity.optional(),
});

export const vehiclePositionSchema = z.looseObject({
  vehicleId: text,
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  accuracy: z.number().nonnegative().optional(),
  speed: z.number().optional(),
  heading: z.number().optional(),
  routeId: z.string().optional(),
  recordedAt: z.iso.datetime({ offset: true }).optional(),
});

export const knownEventData = {
  'transaction.completed': transactionCompletedSchema,
  'transaction.refunded': transactionRefundedSchema,
  'inventory.changed': inventoryChangedSchema,
  'vehicle.position': vehiclePositionSchema,
} as const;

export type KnownEventType = keyof typeof knownEventData;
export const knownEventTypes = Object.keys(knownEventData) as KnownEventType[];

// id and storeId together key duplicate suppression: bounded, so that remembered keys stay small
const envelope = {
  id: text.max(200),
  timestamp: z.iso.datetime({ offset: true }),
  storeId: text.max(200),
};

function eventOf<T extends KnownEventType>(type: T) {
  return z.looseObject({ ...envelope, event: z.literal(type), data: knownEventData[type] });
}

export const transactionCompletedEvent = eventOf('transaction.completed');
export const transactionRefundedEvent = eventOf('transaction.refunded');
export const inventoryChangedEvent = eventOf('inventory.changed');
export const vehiclePositionEvent = eventOf('vehicle.position');

export const otherEvent = z.looseObject({
  ...envelope,
  event: z
    .string()
    .min(1)
    .refine((type) => !(type in knownEventData), 'known event type'),
  data: z.record(z.string(), z.unknown()),
});

export const posEventSchema = z.discriminatedUnion('event', [
  transactionCompletedEvent,
  transactionRefundedEvent,
  inventoryChangedEvent,
  vehiclePositionEvent,
]);

export type TransactionCompletedEvent = z.infer<typeof transactionCompletedEvent>;
export type TransactionRefundedEvent = z.infer<typeof transactionRefundedEvent>;
export type InventoryChangedEvent = z.infer<typeof inventoryChangedEvent>;
export type VehiclePositionEvent = z.infer<typeof vehiclePositionEvent>;
export type OtherPosEvent = z.infer<typeof otherEvent>;
export type KnownPosEvent = z.infer<typeof posEventSchema>;
export type PosEvent = KnownPosEvent | OtherPosEvent;
