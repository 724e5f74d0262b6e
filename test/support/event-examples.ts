// One example per known event type: the README's Event reference shows these, and a test keeps the two equal.
export const eventExamples = {
  'transaction.completed': {
    id: 'evt_01J9Z6Q0R3',
    event: 'transaction.completed',
    timestamp: '2026-11-20T08:30:00+08:00',
    storeId: 'HK-MK-001',
    data: {
      orderId: '1001',
      total: 128.5,
      currency: 'HKD',
      items: [{ sku: 'MILK-TEA-L', name: 'Milk tea (L)', quantity: 2, unitPrice: 32 }],
      customer: { id: 'C-88', name: 'Chan Tai Man', tier: 'VIP' },
      paymentMethod: 'octopus',
      cashierId: 'K7',
    },
  },
  'transaction.refunded': {
    id: 'evt_01J9Z7A2K1',
    event: 'transaction.refunded',
    timestamp: '2026-11-20T09:05:00+08:00',
    storeId: 'HK-MK-001',
    data: { orderId: '1001', amount: 32, currency: 'HKD', reason: 'wrong sweetness' },
  },
  'inventory.changed': {
    id: 'evt_01J9Z8B7M4',
    event: 'inventory.changed',
    timestamp: '2026-11-20T10:00:00+08:00',
    storeId: 'TW-TPE-003',
    data: { sku: 'MILK-TEA-BASE', name: 'Milk tea base', quantity: 4.5, unit: 'kg', previousQuantity: 6 },
  },
  'vehicle.position': {
    id: 'evt_01J9Z9C3P8',
    event: 'vehicle.position',
    timestamp: '2026-11-20T11:15:02+08:00',
    storeId: 'HK-DEPOT-1',
    data: {
      vehicleId: 'VAN-7',
      lat: 22.3193,
      lng: 114.1694,
      accuracy: 8,
      speed: 11.2,
      heading: 90,
      routeId: 'MK-LOOP',
      recordedAt: '2026-11-20T11:15:01+08:00',
    },
  },
} as const;
