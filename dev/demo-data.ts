// The demo's shop, menu and delivery route, shared by the POS simulator and described in the example flows.

/** Mong Kok to Tsim Sha Tsui along Nathan Road, as [lat, lng]: the van's planned route (route id MK-TST). */
export const demoRoute: [number, number][] = [
  [22.3193, 114.1694],
  [22.315, 114.1705],
  [22.3106, 114.1713],
  [22.3049, 114.1718],
  [22.2988, 114.1722],
];

export const demoRouteId = 'MK-TST';

export const menu = [
  { sku: 'MILK-TEA-L', name: 'Milk tea (L) 港式奶茶', unitPrice: 32 },
  { sku: 'LEMON-TEA-L', name: 'Iced lemon tea 凍檸茶', unitPrice: 28 },
  { sku: 'BUBBLE-TEA', name: 'Bubble tea 珍珠奶茶', unitPrice: 36 },
  { sku: 'PINEAPPLE-BUN', name: 'Pineapple bun 菠蘿包', unitPrice: 14.5 },
  { sku: 'EGG-TART', name: 'Egg tart 蛋撻', unitPrice: 9.5 },
];

export const customers = [
  { id: 'C-88', name: 'Chan Tai Man', tier: 'VIP' },
  { id: 'C-102', name: '林小美', tier: 'VIP' },
  { id: 'C-230', name: 'Wong Ka Ho', tier: 'member' },
];

export const stores = ['HK-MK-001', 'HK-TST-002'];
