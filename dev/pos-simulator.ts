// A POS (and a delivery van) that posts signed events to pos-in: orders, VIP orders, stock counts of milk tea
// base that fall under 5 kg and get restocked, and a van that drifts off its route and comes back.
//   node dist/dev/pos-simulator.js --url http://127.0.0.1:1880/pos/events --secret S [--rate 1] [--count N]
import { createHmac, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { customers, demoRoute, demoRouteId, menu, stores } from './demo-data';

export interface SimulatorOptions {
  url: string;
  secret: string;
  /** Events per second. */
  rate?: number;
  /** Stop after this many events (default: run until stopped). */
  count?: number;
  now?: () => Date;
}

type Event = { id: string; event: string; timestamp: string; storeId: string; data: Record<string, unknown> };

const METRES_PER_DEGREE_LAT = 111_320;

/** The van's fixes: along the route in ~100 m steps, with a 300 m detour east in the middle. */
export function vanTrack(): { lat: number; lng: number; offRoute: boolean }[] {
  const fixes: { lat: number; lng: number; offRoute: boolean }[] = [];
  for (let leg = 0; leg < demoRoute.length - 1; leg++) {
    const [aLat, aLng] = demoRoute[leg] as [number, number];
    const [bLat, bLng] = demoRoute[leg + 1] as [number, number];
    const steps = Math.max(1, Math.round((Math.abs(bLat - aLat) * METRES_PER_DEGREE_LAT) / 100));
    for (let i = 0; i < steps; i++) {
      const t = i / steps;
      fixes.push({ lat: aLat + (bLat - aLat) * t, lng: aLng + (bLng - aLng) * t, offRoute: false });
    }
  }
  const detourStart = Math.floor(fixes.length / 2);
  const eastDegrees = 300 / (METRES_PER_DEGREE_LAT * Math.cos((22.31 * Math.PI) / 180));
  for (let i = detourStart; i < detourStart + 5 && i < fixes.length; i++) {
    const fix = fixes[i] as { lat: number; lng: number; offRoute: boolean };
    fixes[i] = { lat: fix.lat, lng: fix.lng + eastDegrees, offRoute: true };
  }
  return fixes;
}

export class PosSimulator {
  private sequence = 0;
  private stock = 8;
  private readonly track = vanTrack();
  private timer: NodeJS.Timeout | undefined;
  readonly answers = { sent: 0, accepted: 0, rejected: 0, failed: 0 };

  constructor(private readonly options: SimulatorOptions) {}

  /** The next event in the cycle: orders most of the time, a stock count or a van fix in between. */
  nextEvent(): Event {
    const n = this.sequence++;
    const now = (this.options.now ?? (() => new Date()))();
    const base = {
      id: `sim_${randomUUID()}`,
      timestamp: now.toISOString(),
      storeId: stores[n % stores.length] as string,
    };
    if (n % 5 === 1)
      return { ...base, event: 'vehicle.position', storeId: 'HK-DEPOT-1', data: this.vanFix(n, now) };
    if (n % 5 === 3)
      return { ...base, event: 'inventory.changed', storeId: 'HK-MK-001', data: this.stockCount() };
    return { ...base, event: 'transaction.completed', data: this.order(n) };
  }

  private order(n: number) {
    const items = [menu[n % menu.length], menu[(n * 7 + 3) % menu.length]].map((item, i) => ({
      ...(item as (typeof menu)[number]),
      quantity: 1 + ((n + i) % 3),
    }));
    const total = items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
    const customer = n % 4 === 0 ? customers[(n / 4) % customers.length] : undefined;
    return {
      orderId: String(1000 + n),
      total: Math.round(total * 100) / 100,
      currency: 'HKD',
      items,
      ...(customer ? { customer } : {}),
      paymentMethod: n % 2 ? 'octopus' : 'cash',
    };
  }

  private stockCount() {
    const previousQuantity = this.stock;
    this.stock = this.stock < 4 ? 10 : Math.round((this.stock - 1.5) * 10) / 10;
    return {
      sku: 'MILK-TEA-BASE',
      name: 'Milk tea base 奶茶底',
      quantity: this.stock,
      unit: 'kg',
      previousQuantity,
    };
  }

  private vanFix(n: number, now: Date) {
    const fix = this.track[Math.floor(n / 5) % this.track.length] as { lat: number; lng: number };
    return {
      vehicleId: 'VAN-7',
      lat: Math.round(fix.lat * 1e6) / 1e6,
      lng: Math.round(fix.lng * 1e6) / 1e6,
      accuracy: 8,
      speed: 9,
      routeId: demoRouteId,
      recordedAt: now.toISOString(),
    };
  }

  async post(event: Event): Promise<number> {
    const body = JSON.stringify(event);
    const signature = `sha256=${createHmac('sha256', this.options.secret).update(body).digest('hex')}`;
    this.answers.sent++;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-signature': signature },
        body,
      });
      await response.arrayBuffer();
      if (response.ok) this.answers.accepted++;
      else this.answers.rejected++;
      return response.status;
    } catch {
      this.answers.failed++;
      return 0;
    }
  }

  start(onAnswer: (event: Event, status: number) => void = () => {}): void {
    const interval = 1000 / (this.options.rate ?? 1);
    const tick = () => {
      if (this.options.count !== undefined && this.sequence >= this.options.count) return;
      const event = this.nextEvent();
      this.post(event).then((status) => onAnswer(event, status));
      this.timer = setTimeout(tick, interval);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export function main(argv = process.argv.slice(2)): PosSimulator {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:1880/pos/events' },
      secret: { type: 'string', default: process.env.POS_WEBHOOK_SECRET ?? '' },
      rate: { type: 'string', default: '1' },
      count: { type: 'string' },
    },
  });
  if (!values.secret) throw new Error('--secret (or POS_WEBHOOK_SECRET) is required');
  const simulator = new PosSimulator({
    url: values.url,
    secret: values.secret,
    rate: Number(values.rate),
    ...(values.count ? { count: Number(values.count) } : {}),
  });
  simulator.start((event, status) => console.log(`${status} ${event.event} ${event.id}`));
  return simulator;
}

if (require.main === module) {
  try {
    const simulator = main();
    process.on('SIGINT', () => simulator.stop());
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
