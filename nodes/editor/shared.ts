// What several nodes' editors share: translation, validators, the admin endpoints' client, list helpers.

export type Translate = (key: string, substitutions?: Substitutions) => string;

/** Translates in one node's catalog, e.g. translator('pos-in')('validation.path'). */
export function translator(type: string): Translate {
  return (key, substitutions) =>
    RED._(`@retail-ops/node-red-pos-dingtalk/${type}:${type}.${key}`, substitutions);
}

/** A validator for a number from `min` to `max`, blank allowed (the runtime's default then). */
export function numberBetween<P>(min: number, max: number, message: () => string): Validator<P, unknown> {
  return (value, _options) => {
    if (value === '' || value === undefined) return true;
    const n = Number(value);
    return (Number.isFinite(n) && n >= min && n <= max) || message();
  };
}

/** Named nodes show their label in italics, as Node-RED's own nodes do. */
export function italicWhenNamed(this: EditorNode<{ name?: string }>): string {
  return this.name ? 'node_label_italic' : '';
}

/** Why an admin request failed: its HTTP status and the server's words ('' when it said none). */
export interface AdminFailure {
  status: number;
  detail: string;
}

/** POSTs JSON to one of our admin endpoints (relative: Node-RED's admin root and auth apply). */
export function postJson<T>(url: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    $.ajax({
      url,
      type: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body),
      dataType: 'json',
    })
      .done((answer) => resolve(answer as T))
      .fail((xhr) => {
        const failure: AdminFailure = {
          status: xhr.status,
          detail: xhr.responseJSON?.detail || xhr.statusText || '',
        };
        reject(failure);
      });
  });
}

/** The rows of an editableList, as jQuery objects. */
export function listItems(list: JQuery | string): JQuery[] {
  const items: JQuery[] = [];
  $(list as string)
    .editableList('items')
    .each((_i, element) => {
      items.push($(element));
    });
  return items;
}

/** Fills a <select> with the context stores of settings.js, keeping a saved store that is no longer listed. */
export function fillContextStores(select: JQuery, saved: string | undefined, defaultLabel: string): void {
  $('<option>').val('').text(defaultLabel).appendTo(select);
  const stores = RED.settings.context?.stores ?? [];
  for (const name of stores) $('<option>').val(name).text(name).appendTo(select);
  if (saved && !stores.includes(saved)) $('<option>').val(saved).text(saved).appendTo(select);
  select.val(saved || '');
}
