// What went wrong, as data: a stable code and its parameters. Node adapters turn the code into a localised
// message (`<type>.errors.<code>`, the same `__param__` names); the English template is the fallback where no
// translation exists, and the text of logs and of the core's own tests.

export type ErrorParams = Record<string, string | number>;

/** One thing wrong, as a code and parameters (checks report several together, not one at a time). */
export interface Problem<Code extends string = string> {
  code: Code;
  params: ErrorParams;
}

export function problem<Code extends string>(code: Code, params: ErrorParams = {}): Problem<Code> {
  return { code, params };
}

/** Fills `__name__` placeholders, the syntax Node-RED's i18n uses, so one set of parameters serves both. */
export function fillTemplate(template: string, params: ErrorParams = {}): string {
  return template.replace(/__(\w+)__/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** An error with a code, its parameters and the English template they fill (its `message`). */
export class KernelError<Code extends string = string> extends Error implements Problem<Code> {
  constructor(
    readonly code: Code,
    readonly params: ErrorParams,
    readonly template: string,
  ) {
    super(fillTemplate(template, params));
    this.name = 'KernelError';
  }
}

/** A value's kind in words for an error message: 'null', 'array' or its typeof. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
