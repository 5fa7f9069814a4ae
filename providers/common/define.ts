// One declaration per resource kind: its type, its fields (which replace,
// which update in place, which are outputs, which are secret) and its pure
// check. The provider's `check` and `diff`, the resource's inputs and options
// (provider reference, secret outputs) and the field tables in
// docs/resources.md are derived from it. Each field's doc is its TSDoc in the
// kind's `<Type>Args` (outputs: in its `Props`), which scripts/docs.ts reads.
import * as pulumi from "@pulumi/pulumi";
import type { CheckResult, DiffResult, ResourceProvider } from "@pulumi/pulumi/dynamic";
import { CheckFailure } from "./check";
import { changedProps, CONNECTION_DIFF, stable } from "./diff";
import { providerRef } from "./providerRef";

/** The module part of every type token: `pulumi-nodejs:dynamic/pulumi-lvs:<type>`. */
export const TYPE_MODULE = "pulumi-lvs";

/** replace: a change replaces the object (its identity); update: changed in place; output: set by the provider. */
export type FieldKind = "replace" | "update" | "output";

/** The kind's own fields by kind, in the order diffs report them (`connection` is implicit), and the secret ones. */
export type FieldKinds = { [K in FieldKind]?: string[] } & { secret?: string[] };

/** What a kind's diff hooks see. */
export interface DiffContext<P> {
  olds: P;
  news: P;
  /** The replacing properties found (declared fields, then "connection"). */
  replaces: string[];
  /** Did connection.host or connection.port change? */
  connectionReplaces: boolean;
}

export interface KindDecl<P> {
  /** The type name; the token is `pulumi-nodejs:dynamic/pulumi-lvs:<type>` and must never change (state). */
  type: string;
  fields: FieldKinds;
  /** The module defining the resource (`__filename`); it exports the provider as `<type>Provider` (lower camel case): the reference kept in state. */
  file: string;
  /**
   * The object's id, a pure function of the inputs (the host's user@host:port, then what names the object on it):
   * create returns it, and an `import` id must equal it. Without it the kind cannot adopt.
   */
  id?(p: P): string;
  /** Takes a `connection` (host and port replace, credentials update in place, secret). Default true. */
  connection?: boolean;
  /** Notes for the docs (how updates are applied, drift, delete). */
  notes?: string;
  /** The pure check: failures for bad input (values unknown at preview are skipped). */
  check(news: P): CheckFailure[];
  /** The form compared by diff (defaults filled in); default: the props as they are. */
  normalize?(p: P): Record<string, unknown>;
  /**
   * Changes besides the declared fields: drift found by refresh, or a field compared as it is.
   * `fieldsChanged`: a declared field or the connection already changed (the hook may skip its work).
   */
  changes?(olds: P, news: P, fieldsChanged: boolean): boolean;
  /** Whether a replacement deletes the old object first; without it diff reports no deleteBeforeReplace. */
  deleteBeforeReplace?(ctx: DiffContext<P>): boolean;
}

/** Identity: declares a kind (typed). */
export function defineKind<P>(decl: KindDecl<P>): KindDecl<P> {
  return decl;
}

export function fieldsOf(decl: KindDecl<unknown>, kind: FieldKind): string[] {
  return decl.fields[kind] ?? [];
}

/** The provider's export name in the kind's module: ipvsServiceProvider for IpvsService. */
export function providerExport(decl: KindDecl<unknown>): string {
  return `${decl.type[0].toLowerCase()}${decl.type.slice(1)}Provider`;
}

function record(p: unknown): Record<string, unknown> {
  return p as Record<string, unknown>;
}

/** The provider's check: the pure check's failures, or the inputs as they are. */
export function deriveCheck<P>(decl: KindDecl<P>): (olds: P, news: P) => Promise<CheckResult<P>> {
  return async (_olds, news) => {
    const failures = decl.check(news);
    return failures.length ? { failures } : { inputs: news };
  };
}

/** The provider's diff: replace fields replace, update fields update, the connection's host/port replace as "connection". */
export function deriveDiff<P>(decl: KindDecl<P>): (id: string, olds: P, news: P) => Promise<DiffResult> {
  const spec = { replace: fieldsOf(decl, "replace"), update: fieldsOf(decl, "update") };
  return async (_id, olds, news) => {
    const a = decl.normalize ? decl.normalize(olds) : record(olds);
    const b = decl.normalize ? decl.normalize(news) : record(news);
    const own = changedProps(a, b, spec);
    const conn = decl.connection === false ? { changed: [], replaces: [] } : changedProps(a, b, CONNECTION_DIFF);
    const fieldsChanged = own.changed.length + conn.changed.length > 0;
    // The hooks run on every diff, in this order (whether they look at fieldsChanged is theirs to say).
    const extra = decl.changes ? decl.changes(olds, news, fieldsChanged) : false;
    const replaces = [...own.replaces, ...(conn.replaces.length ? ["connection"] : [])];
    const changes = fieldsChanged || extra;
    if (!decl.deleteBeforeReplace) return { changes, replaces };
    return {
      changes,
      replaces,
      deleteBeforeReplace: decl.deleteBeforeReplace({ olds, news, replaces, connectionReplaces: conn.replaces.length > 0 }),
    };
  };
}

/**
 * The input that carries a resource's `import` option into create. The
 * engine's own import cannot reach a dynamic provider: its import step calls
 * Read with the id alone (no inputs, no state), and the Node.js dynamic
 * provider host finds the provider's code only in the `__provider` property
 * of that state. So LvsResource moves the option's id here, and create adopts.
 */
export const ADOPT_KEY = "__adopt";

/**
 * An `import` id that stands for the id the resource's own inputs name (the
 * kind's id function of them): a component that adopts a hand-built cluster
 * gives it to every child, whose inputs it computes itself.
 */
export const IMPORT_AS_DECLARED = "as-declared";

/**
 * Create with an import id: take over the live object without changing the
 * host. The kind's read (refresh) reads it as the inputs name it; adoption
 * fails, changing nothing, when nothing is there or when the live object
 * differs from the inputs in any declared field or drift rule.
 */
async function adopt<P>(decl: KindDecl<P>, read: NonNullable<ResourceProvider<P, P>["read"]>, given: string, inputs: P) {
  if (!decl.id) throw new Error(`${decl.type} ${given} (import): this kind has no id to adopt by (it lives on no host)`);
  const named = decl.id(inputs);
  const id = given === IMPORT_AS_DECLARED ? named : given;
  const where = `${decl.type} ${id} (import)`;
  if (named !== id)
    throw new Error(
      `${where}: the id names another object than the inputs do (${named}); nothing was changed. Give the import id ${named}`,
    );
  const live = await read(id, inputs);
  if (!live.id || !live.props)
    throw new Error(`${where}: nothing on the host to adopt, nothing was changed; check the id and the inputs that name the object`);
  const a = decl.normalize ? decl.normalize(live.props) : record(live.props);
  const b = decl.normalize ? decl.normalize(inputs) : record(inputs);
  const { changed } = changedProps(a, b, { replace: fieldsOf(decl, "replace"), update: fieldsOf(decl, "update") });
  const drift = decl.changes ? decl.changes(live.props, inputs, changed.length > 0) : false;
  if (changed.length || drift) {
    const what = [
      ...changed.map((f) => `${f} (live ${stable(a[f])}, declared ${stable(b[f])})`),
      ...(drift && !changed.length ? ["its live state (what refresh reports as drift)"] : []),
    ];
    throw new Error(
      `${where}: the live object differs from the program in ${what.join(", ")}; nothing was changed. Declare what is live to adopt it, or drop the import option to let up change it`,
    );
  }
  return { id, outs: live.props };
}

/** The provider: check and diff derived from the declaration, create/read/update/delete as given; create adopts on import. */
export function kindProvider<P>(decl: KindDecl<P>, ops: Omit<ResourceProvider<P, P>, "check" | "diff">): ResourceProvider<P, P> {
  const { create, read } = ops;
  return {
    check: deriveCheck(decl),
    diff: deriveDiff(decl),
    ...ops,
    create(inputs) {
      const id = record(inputs)[ADOPT_KEY];
      if (typeof id !== "string") return create(inputs);
      if (!read) throw new Error(`${decl.type} ${id} (import): this kind cannot read a live object, so it cannot adopt one`);
      return adopt(decl, read, id, inputs);
    },
  };
}

/** The secret outputs: "connection" (when the kind takes one) and the secret fields. */
export function secretOutputs(decl: KindDecl<unknown>): string[] {
  return [...(decl.connection === false ? [] : ["connection"]), ...(decl.fields.secret ?? [])];
}

/** The resource's inputs: its args, and every output field present (undefined) so that the class exposes it. */
export function resourceInputs(decl: KindDecl<unknown>, args: object): Record<string, unknown> {
  return { ...args, ...Object.fromEntries(fieldsOf(decl, "output").map((f) => [f, undefined])) };
}

/** The resource's options: the caller's, with the kind's secret outputs. */
export function resourceOptions(decl: KindDecl<unknown>, opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: secretOutputs(decl) };
}

/** The base of every resource class: the provider by reference, the type token and the options from the declaration. */
export abstract class LvsResource extends pulumi.dynamic.Resource {
  protected constructor(
    decl: KindDecl<unknown>,
    impl: ResourceProvider,
    name: string,
    args: object,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    // An `import` option becomes an input that create adopts by (see ADOPT_KEY).
    const { import: importId, ...rest } = opts ?? {};
    super(
      providerRef(decl.file, providerExport(decl), impl),
      name,
      resourceInputs(decl, importId === undefined ? args : { ...args, [ADOPT_KEY]: importId }),
      resourceOptions(decl, rest),
      TYPE_MODULE,
      decl.type,
    );
  }
}
