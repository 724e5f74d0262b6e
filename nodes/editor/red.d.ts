// The part of Node-RED's editor API, and of the jQuery and widgets it ships, that our editor code calls.
// Node-RED publishes no typings for its editor: listing only what we use lets the compiler check each call.

/** jQuery, as far as we use it. `val()` is typed as text: we call it on inputs, textareas and selects. */
interface JQuery {
  length: number;
  [index: number]: HTMLElement;
  val(): string;
  val(value: string | number): JQuery;
  text(): string;
  text(value: string): JQuery;
  attr(name: string, value: string | number): JQuery;
  prop(name: 'checked' | 'disabled', value: boolean): JQuery;
  prop(name: 'checked' | 'disabled'): boolean;
  css(name: string): string;
  css(name: string, value: string): JQuery;
  data(key: string): unknown;
  data(key: string, value: unknown): JQuery;
  is(selector: string): boolean;
  find(selector: string): JQuery;
  next(selector: string): JQuery;
  children(selector: string): JQuery;
  append(...content: (JQuery | Element | string)[]): JQuery;
  appendTo(target: JQuery | string): JQuery;
  insertAfter(target: JQuery): JQuery;
  remove(): JQuery;
  empty(): JQuery;
  show(): JQuery;
  hide(): JQuery;
  toggle(show: boolean): JQuery;
  addClass(name: string): JQuery;
  removeClass(name: string): JQuery;
  toggleClass(name: string, on: boolean): JQuery;
  on(events: string, handler: (event: JQueryEvent) => void): JQuery;
  trigger(event: string): JQuery;
  each(callback: (index: number, element: HTMLElement) => void): JQuery;
  width(): number | undefined;
  height(): number | undefined;
  outerHeight(includeMargin: true): number | undefined;
  editableList(options: EditableListOptions): JQuery;
  editableList(method: 'items'): JQuery;
  editableList(method: 'addItem', data: object): JQuery;
  editableList(method: 'empty'): JQuery;
  editableList(method: 'height', height: number | 'auto'): JQuery;
  typedInput(options: { types: TypedInputType[]; default?: string }): JQuery;
  typedInput(method: 'value' | 'type'): string;
  typedInput(method: 'value' | 'type', value: string): JQuery;
  typedInput(method: 'types', types: TypedInputType[]): JQuery;
  typedInput(method: 'show' | 'hide'): JQuery;
}

interface JQueryEvent {
  preventDefault(): void;
}

/** jQuery's answer to $.ajax: a promise-like with its own callbacks. */
interface JQueryXhr {
  status: number;
  statusText: string;
  responseJSON?: { error?: string; detail?: string };
  done(callback: (answer: unknown) => void): JQueryXhr;
  fail(callback: (xhr: JQueryXhr) => void): JQueryXhr;
}

interface JQueryStatic {
  (selector: string | Element | JQuery): JQuery;
  ajax(settings: {
    url: string;
    type: 'POST';
    contentType: 'application/json';
    data: string;
    dataType?: 'json';
  }): JQueryXhr;
}

/** Node-RED's editableList widget: `addItem` gets the row's container, its index and the data given. */
interface EditableListOptions {
  addItem(container: JQuery, index: number, data: Record<string, unknown>): void;
  removeItem?(data: Record<string, unknown>): void;
  sortItems?(items: JQuery): void;
  addButton?: boolean | string;
  removable?: boolean;
  sortable?: boolean;
  height?: 'auto' | number;
}

/** A typedInput type: a built-in name, or one of our own. */
type TypedInputType = string | { value: string; label: string; icon?: string; hasValue: boolean };

type Substitutions = Record<string, unknown>;

/** A node in the editor: its saved properties, plus what the editor adds. */
type EditorNode<P> = P & {
  id: string;
  type: string;
  valid?: boolean;
  dirty?: boolean;
  /** Translates in the node's own catalog. */
  _(key: string, substitutions?: Substitutions): string;
};

/** Node-RED shows a returned message only for validators that declare the second parameter. */
type Validator<P, V> = (this: EditorNode<P>, value: V, options?: unknown) => boolean | string | string[];

type PropertyDefs<P> = {
  [K in keyof P]-?: { value: P[K]; validate?: Validator<P, P[K]>; type?: string; required?: boolean };
};

interface NodeDefinition<P> {
  category: string;
  color?: string;
  defaults: PropertyDefs<P>;
  credentials?: Record<string, { type: 'text' | 'password' }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  paletteLabel?(this: { _(key: string, substitutions?: Substitutions): string }): string;
  label?(this: EditorNode<P>): string;
  labelStyle?(this: EditorNode<P>): string;
  inputLabels?(this: EditorNode<P>, index: number): string;
  outputLabels?(this: EditorNode<P>, index: number): string;
  oneditprepare?(this: EditorNode<P>): void;
  oneditsave?(this: EditorNode<P>): void;
  oneditcancel?(this: EditorNode<P>): void;
  oneditresize?(this: EditorNode<P>, size: { width: number; height: number }): void;
}

interface RedEditorApi {
  nodes: {
    registerType<P>(type: string, definition: NodeDefinition<P>): void;
    eachNode(callback: (node: EditorNode<Record<string, unknown>>) => void): void;
  };
  editor: { validateNode(node: EditorNode<Record<string, unknown>>): boolean };
  view: { redraw(updateActive?: boolean): void };
  settings: { httpNodeRoot?: string; context?: { stores?: string[] } };
  _(key: string, substitutions?: Substitutions): string;
}

declare const RED: RedEditorApi;
declare const $: JQueryStatic;
