// cheap-ruler and flatbush ship only as ES modules. This package compiles to CommonJS and claims Node.js 22.9,
// where require() cannot load an ES module, and Node-RED 4.1, which require()s node files. So they are loaded
// with a real dynamic import() (TypeScript keeps import() as is under module nodenext), once per process, and
// everything that needs them receives them from here after start-up.

const importRuler = () => import('cheap-ruler');
const importFlatbush = () => import('flatbush');

/** The classes (constructors) the libraries export. */
export type CheapRulerClass = Awaited<ReturnType<typeof importRuler>>['default'];
export type FlatbushClass = Awaited<ReturnType<typeof importFlatbush>>['default'];
/** Their instances. */
export type CheapRuler = InstanceType<CheapRulerClass>;
export type Flatbush = InstanceType<FlatbushClass>;

export interface GeoLibs {
  CheapRuler: CheapRulerClass;
  Flatbush: FlatbushClass;
}

let loading: Promise<GeoLibs> | undefined;

/** Loads both libraries (once; a failed load is retried on the next call). */
export function loadGeoLibs(): Promise<GeoLibs> {
  loading ??= Promise.all([importRuler(), importFlatbush()]).then(
    ([ruler, flatbush]) => ({ CheapRuler: ruler.default, Flatbush: flatbush.default }),
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}
