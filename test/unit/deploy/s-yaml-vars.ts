/**
 * Serverless Devs' variables in s.yaml, resolved as `s deploy` resolves them, so the test can check
 * what the fc3 component will receive rather than the template.
 *
 * The rules follow @serverless-devs/parse-spec and the `devs-compile` of
 * @serverless-devs/art-template (4.13.15, checked by running both on this project's s.yaml):
 * - `vars` are resolved first (against the raw vars), then the resources against the resolved vars;
 * - a string that is one `${...}` and nothing else takes the expression's value with its type
 *   (`${vars.tickMinutes}` is the number 5), a string with anything around it is text;
 * - `env('NAME', default)` is the shell's value when set and non-empty (always text), else the
 *   default as written ('200' text, 200 a number); without a default an unset name is an error;
 * - `config('AccountID')` comes from the credentials of `s config add`.
 * Serverless Devs does no arithmetic inside `${...}` (`${vars.tickMinutes * 60}` fails there), so any
 * other expression is an error here too.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface MagicContext {
  /** The shell's environment, as `s deploy` would see it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What `s config get` holds for the access alias, e.g. { AccountID: '1234567890123456' }. */
  readonly config: Readonly<Record<string, string>>;
}

const WHOLE = /^\$\{([^}]*)\}$/;
const ANY = /\$\{([^}]*)\}/g;
const VAR = /^\s*vars\.([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*$/;
const ENV = /^\s*env\(\s*'([^']+)'\s*(?:,\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\s*)?\)\s*$/;
const CONFIG = /^\s*config\(\s*'(\w+)'\s*\)\s*$/;

export function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(vars: Json, path: string): Json {
  let here: Json | undefined = vars;
  for (const key of path.split('.')) here = isObject(here) ? here[key] : undefined;
  if (here === undefined) throw new Error(`\${vars.${path}} not found`);
  return here;
}

function evaluate(expression: string, vars: Json, ctx: MagicContext): Json {
  const v = VAR.exec(expression);
  if (v) return lookup(vars, v[1]!);
  const e = ENV.exec(expression);
  if (e) {
    const [, name, text, number, bool] = e;
    const value = ctx.env[name!];
    if (value) return value;
    if (text !== undefined) return text;
    if (number !== undefined) return Number(number);
    if (bool !== undefined) return bool === 'true';
    throw new Error(`env('${name}') not found`);
  }
  const c = CONFIG.exec(expression);
  if (c) {
    const value = ctx.config[c[1]!];
    if (!value) throw new Error(`config('${c[1]}') not found`);
    return value;
  }
  throw new Error(`\${${expression}}: not a variable form Serverless Devs resolves here (vars.x, env('NAME', default), config('Key'))`);
}

/** One string: a typed value when it is one `${...}`, else text with every `${...}` filled in. */
export function resolveString(text: string, vars: Json, ctx: MagicContext): Json {
  const whole = WHOLE.exec(text);
  const value = whole
    ? evaluate(whole[1]!, vars, ctx)
    : text.replace(ANY, (_, expression: string) =>
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- s.yaml puts only scalars inside text, and String() is their text
        String(evaluate(expression, vars, ctx)),
      );
  // devs-compile compiles once more when the result still holds a variable (a var naming a var).
  return typeof value === 'string' && value !== text && /\$\{/.test(value) ? resolveString(value, vars, ctx) : value;
}

/** Every string in a value, resolved. */
export function resolveDeep(value: Json, vars: Json, ctx: MagicContext): Json {
  if (typeof value === 'string') return resolveString(value, vars, ctx);
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, vars, ctx));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, vars, ctx)]));
  return value;
}

/** A whole s.yaml document: vars first, then everything else against the resolved vars. */
export function resolveSpec(doc: Json, ctx: MagicContext): Json {
  if (!isObject(doc)) throw new Error('s.yaml is not a mapping');
  const rawVars = doc.vars ?? {};
  const vars = resolveDeep(rawVars, rawVars, ctx);
  const resolved: Record<string, Json> = {};
  for (const [key, value] of Object.entries(doc)) resolved[key] = key === 'vars' ? vars : resolveDeep(value, vars, ctx);
  return resolved;
}
