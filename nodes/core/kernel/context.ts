// The part of a Node-RED context (node, flow or global) the core keeps state in: the callback forms, which every
// context store supports (memory, localfilesystem, a Redis plugin). Declared structurally here, once, so the core
// imports nothing of Node-RED and the adapters hand it their node's context as it is.
export interface CallbackContext {
  get(
    key: string,
    store: string | undefined,
    cb: (err: Error | null | undefined, value?: unknown) => void,
  ): void;
  set(
    key: string,
    value: unknown,
    store: string | undefined,
    cb: (err: Error | null | undefined) => void,
  ): void;
  keys(store: string | undefined, cb: (err: Error | null | undefined, keys: string[]) => void): void;
}
