// Where per-vehicle state (and routes set at runtime) are kept. The interface is asynchronous and keyed by id,
// so a shared store (Redis, a database) can replace the local ones without touching the tracker. Values must be
// plain JSON.
import type { CallbackContext } from '../kernel/context';

export interface StateStore<T> {
  get(id: string): Promise<T | undefined>;
  set(id: string, value: T): Promise<void>;
  delete(id: string): Promise<void>;
  /** Every id kept. */
  ids(): Promise<string[]>;
}

/** In memory: for tests, benchmarks and nodes that need nothing to survive. */
export class MemoryStateStore<T> implements StateStore<T> {
  private readonly values = new Map<string, T>();

  async get(id: string): Promise<T | undefined> {
    return this.values.get(id);
  }

  async set(id: string, value: T): Promise<void> {
    this.values.set(id, value);
  }

  async delete(id: string): Promise<void> {
    this.values.delete(id);
  }

  async ids(): Promise<string[]> {
    return [...this.values.keys()];
  }
}

/**
 * A context key for an id. Node-RED reads context keys as property paths ("a.b", "a[0]"), so every character
 * but letters and digits is escaped as _xx (hex of its UTF-16 code unit, _uxxxx above 0xff). Reversible.
 */
export function encodeKey(prefix: string, id: string): string {
  let out = prefix;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const isAlnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (isAlnum) out += id[i];
    else if (c <= 0xff) out += `_${c.toString(16).padStart(2, '0')}`;
    else out += `_u${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}

export function decodeKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const body = key.slice(prefix.length);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '_') {
      out += ch;
    } else if (body[i + 1] === 'u') {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    }
  }
  return out;
}

/**
 * In a Node-RED context, one key per id (prefix + encoded id), in the named context store (the default store
 * when none is named). With a persistent store (localfilesystem, or a Redis context plugin) state survives
 * restarts; with the default memory store it survives redeploys, since Node-RED keeps a node's context while
 * the node exists.
 */
export class ContextStateStore<T> implements StateStore<T> {
  constructor(
    private readonly context: CallbackContext,
    private readonly prefix: string,
    private readonly store?: string,
  ) {}

  get(id: string): Promise<T | undefined> {
    return new Promise((resolve, reject) =>
      this.context.get(encodeKey(this.prefix, id), this.store, (err, value) =>
        err ? reject(err) : resolve(value === undefined || value === null ? undefined : (value as T)),
      ),
    );
  }

  set(id: string, value: T): Promise<void> {
    return new Promise((resolve, reject) =>
      this.context.set(encodeKey(this.prefix, id), value, this.store, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  delete(id: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.context.set(encodeKey(this.prefix, id), undefined, this.store, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  ids(): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.context.keys(this.store, (err, keys) => {
        if (err) return reject(err);
        const ids: string[] = [];
        for (const key of keys ?? []) {
          const id = decodeKey(this.prefix, key);
          if (id !== undefined) ids.push(id);
        }
        resolve(ids);
      }),
    );
  }
}
