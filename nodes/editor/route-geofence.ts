// The route-geofence form: routes and zones as lists, each checked by POST route-geofence/preview (the
// runtime's own parser and geometry), with figures per item and an SVG drawing that needs no map tiles.
import type { GeoIssue } from '../core/geo/parse';
import type { Preview, RoutePreview, XY, ZonePreview } from '../core/geo/preview';
import {
  type AdminFailure,
  fillContextStores,
  italicWhenNamed,
  listItems,
  numberBetween,
  postJson,
} from './shared';

type RouteRow = { id: string; name: string; widthM: string | number; geometry: string };
type ZoneRow = {
  id: string;
  name: string;
  type: string;
  center?: string;
  radiusM?: string | number;
  geometry?: string;
};

interface GeofenceProps {
  name: string;
  routes: RouteRow[];
  defaultRoute: string;
  zones: ZoneRow[];
  confirmFixes: number | string;
  confirmSeconds: number | string;
  hysteresisM: number | string;
  maxAccuracyM: number | string;
  forgetMinutes: number | string;
  skipMinM: number | string;
  reverseMinM: number | string;
  annotate: boolean;
  store: string;
  outputs: number;
}

const NS = 'route-geofence.';
const COLORS = ['#2a7fd4', '#d4472a', '#2aa876', '#8a4fd0', '#d48a2a', '#1aa3b8'];
const ZONE_COLOR = '#e0a000';
/** How long the form waits after the last keystroke before asking for a preview. */
const PREVIEW_AFTER_MS = 350;
const SVG = 'http://www.w3.org/2000/svg';

const between = (min: number, max: number) =>
  numberBetween<GeofenceProps>(min, max, () =>
    RED._(`@retail-ops/node-red-pos-dingtalk/route-geofence:${NS}validation.number`, { min, max }),
  );

function uniqueIds(items: { id?: unknown }[]): boolean {
  const ids = items.map((item) => String(item.id || '').trim());
  return ids.every((id) => id !== '') && new Set(ids).size === ids.length;
}

function readRoutes(list: JQuery): RouteRow[] {
  return listItems(list).map((row) => ({
    id: row.find('.rg-id').val().trim(),
    name: row.find('.rg-name').val().trim(),
    widthM: row.find('.rg-width').val().trim(),
    geometry: row.find('.rg-geometry').val(),
  }));
}

function readZones(list: JQuery): ZoneRow[] {
  return listItems(list).map((row) => {
    const type = row.find('.rg-type').val();
    const zone: ZoneRow = {
      id: row.find('.rg-id').val().trim(),
      name: row.find('.rg-name').val().trim(),
      type,
    };
    if (type === 'circle') {
      zone.center = row.find('.rg-center').val().trim();
      zone.radiusM = row.find('.rg-radius').val().trim();
    } else {
      zone.geometry = row.find('.rg-geometry').val();
    }
    return zone;
  });
}

/** A blank number stays blank (the runtime's default); anything else is saved as a number. */
const numberOrBlank = (text: string | number | undefined) => (text === '' ? '' : Number(text));

function el(name: string, attrs: Record<string, string | number>, parent?: Element): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** A round length for the scale bar: 1, 2 or 5 times a power of ten, at least `metres`. */
function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(metres));
  return ([1, 2, 5].find((step) => step * power >= metres) ?? 10) * power;
}

RED.nodes.registerType<GeofenceProps>('route-geofence', {
  category: 'retail',
  color: '#9fd4a3',
  defaults: {
    name: { value: '' },
    routes: {
      value: [],
      validate(routes, _options) {
        if (!Array.isArray(routes) || !uniqueIds(routes)) return this._(`${NS}validation.routes`);
        const complete = routes.every((r) => Number(r.widthM) > 0 && String(r.geometry || '').trim());
        return complete || this._(`${NS}validation.routes`);
      },
    },
    defaultRoute: { value: '' },
    zones: {
      value: [],
      validate(zones, _options) {
        if (!Array.isArray(zones) || !uniqueIds(zones)) return this._(`${NS}validation.zones`);
        const complete = zones.every((z) =>
          z.type === 'circle'
            ? String(z.center || '').trim() && Number(z.radiusM) > 0
            : String(z.geometry || '').trim(),
        );
        return complete || this._(`${NS}validation.zones`);
      },
    },
    confirmFixes: { value: 2, validate: between(1, 20) },
    confirmSeconds: { value: 30, validate: between(0, 3600) },
    hysteresisM: { value: 10, validate: between(0, 1000) },
    maxAccuracyM: { value: 50, validate: between(0, 100000) },
    forgetMinutes: { value: 60, validate: between(0, 100000) },
    skipMinM: { value: 300, validate: between(10, 1000000) },
    reverseMinM: { value: 100, validate: between(10, 1000000) },
    annotate: { value: false },
    store: { value: '' },
    outputs: { value: 2 },
  },
  inputs: 1,
  outputs: 2,
  icon: 'route-geofence.svg',
  paletteLabel() {
    return this._(`${NS}paletteLabel`);
  },
  label() {
    if (this.name) return this.name;
    const ids = (this.routes || []).map((r) => r.id).filter(Boolean);
    return ids.length ? `${this._(`${NS}paletteLabel`)}: ${ids.join(', ')}` : this._(`${NS}paletteLabel`);
  },
  labelStyle: italicWhenNamed,
  inputLabels() {
    return this._(`${NS}inputLabel`);
  },
  outputLabels(index) {
    return this._(`${NS}outputLabels.${['routes', 'zones', 'fixes'][index]}`);
  },
  oneditprepare() {
    const t = (key: string, params?: Substitutions) => this._(NS + key, params);
    let previewTimer: ReturnType<typeof setTimeout> | undefined;
    let previewRequest = 0;
    const schedulePreview = () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(updatePreview, PREVIEW_AFTER_MS);
    };

    /** The first line of a route or zone row: its id and name inputs (what follows differs). */
    const itemLine = (row: JQuery, data: Record<string, unknown>, idHint: string, nameHint: string) => {
      row.addClass('route-geofence-item');
      const line = $('<div class="route-geofence-line">').appendTo(row);
      $('<input type="text" class="rg-id" style="width: 90px">')
        .attr('placeholder', t(idHint))
        .attr('title', t('label.id'))
        .val(String(data.id || ''))
        .appendTo(line);
      $('<input type="text" class="rg-name" style="flex: 1">')
        .attr('placeholder', t(nameHint))
        .attr('title', t('label.routeName'))
        .val(String(data.name || ''))
        .appendTo(line);
      return line;
    };

    // ---- routes ----------------------------------------------------------------------------------------
    const routeList = $('#route-geofence-routes');
    // no height given: the lists grow with their items (the dialog scrolls)
    routeList.css('min-width', '460px').editableList({
      addButton: true,
      removable: true,
      sortable: true,
      height: 'auto',
      addItem(row, index, data) {
        const line = itemLine(row, data, 'placeholder.id', 'placeholder.routeName');
        $('<span class="route-geofence-small">').text(t('label.width')).appendTo(line);
        $('<input type="text" class="rg-width" style="width: 60px">')
          .val(data.widthM === undefined ? 100 : String(data.widthM))
          .appendTo(line);
        $('<textarea class="rg-geometry" rows="4" spellcheck="false">')
          .attr('placeholder', t('placeholder.geometry'))
          .val(String(data.geometry || ''))
          .appendTo(row);
        $('<div class="route-geofence-check">').appendTo(row);
        row.find('input, textarea').on('input change', schedulePreview);
        if (index === undefined || data.id === undefined) schedulePreview();
      },
      removeItem: schedulePreview,
      sortItems: schedulePreview,
    });

    // ---- zones -----------------------------------------------------------------------------------------
    const zoneList = $('#route-geofence-zones');
    zoneList.css('min-width', '460px').editableList({
      addButton: true,
      removable: true,
      sortable: true,
      height: 'auto',
      addItem(row, index, data) {
        const line = itemLine(row, data, 'placeholder.zoneId', 'placeholder.zoneName');
        const type = $('<select class="rg-type" style="width: 110px">').appendTo(line);
        $('<option value="circle">').text(t('label.circle')).appendTo(type);
        $('<option value="polygon">').text(t('label.polygonType')).appendTo(type);
        type.val(data.type === 'polygon' ? 'polygon' : 'circle');
        const circle = $('<div class="route-geofence-line rg-circle">').appendTo(row);
        $('<span class="route-geofence-small">').text(t('label.center')).appendTo(circle);
        $('<input type="text" class="rg-center" style="flex: 1">')
          .attr('placeholder', t('placeholder.center'))
          .val(String(data.center || ''))
          .appendTo(circle);
        $('<span class="route-geofence-small">').text(t('label.radius')).appendTo(circle);
        $('<input type="text" class="rg-radius" style="width: 60px">')
          .val(data.radiusM === undefined ? 100 : String(data.radiusM))
          .appendTo(circle);
        const polygon = $('<textarea class="rg-geometry rg-polygon" rows="3" spellcheck="false">')
          .attr('placeholder', t('placeholder.polygon'))
          .val(String(data.geometry || ''))
          .appendTo(row);
        $('<div class="route-geofence-check">').appendTo(row);
        const showType = () => {
          const isCircle = type.val() === 'circle';
          circle.toggle(isCircle);
          polygon.toggle(!isCircle);
        };
        type.on('change', showType);
        showType();
        row.find('input, textarea, select').on('input change', schedulePreview);
        if (index === undefined || data.id === undefined) schedulePreview();
      },
      removeItem: schedulePreview,
      sortItems: schedulePreview,
    });

    const formatLength = (metres: number) =>
      metres >= 1000
        ? t('preview.km', { value: (metres / 1000).toFixed(2) })
        : t('preview.m', { value: Math.round(metres) });
    const describe = (issue: GeoIssue) => t(`issues.${issue.code}`, issue.params);

    const showCheck = (row: JQuery, result: RoutePreview | ZonePreview | undefined, okText: string) => {
      const box = row
        .find('.route-geofence-check')
        .empty()
        .removeClass('route-geofence-bad route-geofence-warn');
      if (!result) return;
      if (!result.ok) {
        box.addClass('route-geofence-bad');
        const list = $('<ul>').appendTo(box);
        for (const e of result.errors) $('<li>').text(describe(e)).appendTo(list);
        return;
      }
      box.text(okText || '');
      if (result.warnings?.length) {
        box.addClass('route-geofence-warn');
        const warnings = $('<ul>').appendTo(box);
        for (const w of result.warnings) $('<li>').text(describe(w)).appendTo(warnings);
      }
    };

    const refreshRouteIds = (routes: RouteRow[]) => {
      const list = $('#route-geofence-route-ids').empty();
      for (const r of routes) if (r.id) $('<option>').val(r.id).appendTo(list);
    };

    function updatePreview() {
      const routes = readRoutes(routeList);
      const zones = readZones(zoneList);
      refreshRouteIds(routes);
      const request = ++previewRequest;
      postJson<Preview>('route-geofence/preview', { routes, zones }).then(
        (preview) => {
          if (request !== previewRequest) return;
          listItems(routeList).forEach((row, i) => {
            const r = preview.routes[i];
            const stats = r?.ok
              ? t('preview.stats', { vertices: r.vertices, length: formatLength(r.lengthM ?? 0) })
              : '';
            showCheck(row, r, stats);
          });
          listItems(zoneList).forEach((row, i) => {
            showCheck(row, preview.zones[i], t('preview.zoneOk'));
          });
          draw(preview);
        },
        (failure: AdminFailure) => {
          if (request !== previewRequest) return;
          $('#route-geofence-preview')
            .empty()
            .append(
              $('<div class="route-geofence-empty">').text(
                t('preview.unavailable', { detail: failure.detail || String(failure.status) }),
              ),
            );
        },
      );
    }

    // ---- the SVG drawing: metres east/north of the origin, north up, no map tiles ---------------------
    function draw(preview: Preview) {
      const box = $('#route-geofence-preview').empty();
      if (!preview.bounds) {
        box.append($('<div class="route-geofence-empty">').text(t('preview.empty')));
        return;
      }
      const b = preview.bounds;
      const width = Math.max(b[2] - b[0], 50);
      const height = Math.max(b[3] - b[1], 50);
      const pad = Math.max(width, height) * 0.06;
      const minX = (b[0] + b[2]) / 2 - width / 2 - pad;
      const maxY = (b[1] + b[3]) / 2 + height / 2 + pad;
      const vw = width + 2 * pad;
      const vh = height + 2 * pad;
      // about 11 px on screen, whatever the scale
      const pixelsPerMetre = Math.min((box.width() || 400) / vw, (box.height() || 300) / vh);
      const font = 11 / pixelsPerMetre;
      // y is north: SVG y grows downwards, so every y is written as -y
      const svg = el('svg', {
        viewBox: [minX, -maxY, vw, vh].join(' '),
        preserveAspectRatio: 'xMidYMid meet',
      });
      const xy = (p: XY) => `${p[0]},${-p[1]}`;

      for (const z of preview.zones) {
        if (!z.ok) continue;
        let shape: SVGElement;
        let at: XY | undefined;
        if (z.type === 'circle' && z.center) {
          shape = el('circle', { cx: z.center[0], cy: -z.center[1], r: z.radiusM ?? 0 }, svg);
          at = z.center;
        } else {
          const rings = z.rings ?? [];
          const d = rings.map((ring) => `M${ring.map(xy).join('L')}Z`).join(' ');
          shape = el('path', { d, 'fill-rule': 'evenodd' }, svg);
          at = rings[0]?.[0];
        }
        shape.setAttribute('fill', ZONE_COLOR);
        shape.setAttribute('fill-opacity', '0.25');
        shape.setAttribute('stroke', ZONE_COLOR);
        shape.setAttribute('stroke-width', '1.5');
        shape.setAttribute('vector-effect', 'non-scaling-stroke');
        if (at)
          el('text', { x: at[0], y: -at[1], 'font-size': font, 'text-anchor': 'middle' }, svg).textContent =
            z.id;
      }

      preview.routes.forEach((r, i) => {
        const path = r.path ?? [];
        const start = path[0];
        const end = path[path.length - 1];
        if (!r.ok || !start || !end) return;
        const color = COLORS[i % COLORS.length] as string;
        const points = path.map(xy).join(' ');
        // the corridor: a stroke exactly as wide as the corridor, in metres
        el(
          'polyline',
          {
            points,
            fill: 'none',
            stroke: color,
            'stroke-opacity': '0.3',
            'stroke-width': r.widthM ?? 0,
            'stroke-linejoin': 'round',
            'stroke-linecap': 'round',
          },
          svg,
        );
        el(
          'polyline',
          {
            points,
            fill: 'none',
            stroke: color,
            'stroke-width': '2',
            'vector-effect': 'non-scaling-stroke',
            'stroke-linejoin': 'round',
          },
          svg,
        );
        el('circle', { cx: start[0], cy: -start[1], r: font / 3, fill: color }, svg);
        el(
          'rect',
          {
            x: end[0] - font / 3,
            y: -end[1] - font / 3,
            width: (2 * font) / 3,
            height: (2 * font) / 3,
            fill: color,
          },
          svg,
        );
        el('text', { x: start[0] + font / 2, y: -start[1] - font / 2, 'font-size': font }, svg).textContent =
          `${r.id} ▸ ${t('preview.start')}`;
      });

      // a scale bar, bottom left
      const bar = niceLength(vw / 5);
      const x0 = minX + pad / 2;
      const y0 = -maxY + vh - pad / 2;
      el(
        'path',
        {
          d: `M${x0},${y0 - font / 3}V${y0}H${x0 + bar}V${y0 - font / 3}`,
          fill: 'none',
          'stroke-width': '1.5',
          'vector-effect': 'non-scaling-stroke',
          class: 'route-geofence-scale',
        },
        svg,
      );
      el('text', { x: x0 + bar + font / 3, y: y0, 'font-size': font }, svg).textContent = formatLength(bar);
      // north arrow, top right
      const nx = minX + vw - pad / 2;
      const ny = -maxY + pad / 2 + font;
      el('text', { x: nx, y: ny, 'font-size': font, 'text-anchor': 'end' }, svg).textContent = 'N ↑';
      box.append(svg);
    }

    for (const r of this.routes || []) routeList.editableList('addItem', r);
    for (const z of this.zones || []) zoneList.editableList('addItem', z);

    // ---- context stores (from settings.js) ------------------------------------------------------------
    fillContextStores($('#node-input-store'), this.store, t('label.defaultStore'));

    updatePreview();
  },
  oneditsave() {
    this.routes = readRoutes($('#route-geofence-routes')).map((r) => ({
      ...r,
      widthM: numberOrBlank(r.widthM),
    }));
    this.zones = readZones($('#route-geofence-zones')).map((z) =>
      z.type === 'circle' ? { ...z, radiusM: numberOrBlank(z.radiusM) } : z,
    );
    this.outputs = $('#node-input-annotate').is(':checked') ? 3 : 2;
  },
});
