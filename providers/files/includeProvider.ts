// The provider shared by the resources that own one include file of a daemon
// (KeepalivedInstance, HaproxyListener, NginxSite): check with the kind's
// pure check, render with its pure renderer, apply through daemon.ts.
//
// Fields: `name` replaces; the kind's fields and `readiness` update in place
// (includeKind below). After a change the daemon reloads, and create and update wait
// (on the host) until it is ready: the unit active plus the kind's probe
// (keepalived: the VIP held by a MASTER; HAProxy and nginx: their ports
// accept), overridable with `readiness`.
// Refresh reads the include file's hash, the main and setting files' hashes
// and whether the daemon runs; any difference shows as drift and `up`
// repairs it.
import * as pulumi from "@pulumi/pulumi";
import { Checker, CheckFailure } from "../common/check";
import { defineKind, KindDecl, kindProvider } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { checkPathIn } from "../common/paths";
import { sshTransport } from "../transport/ssh";
import { ConnectionArgs } from "../transport/types";
import { checkReadiness, Readiness, ReadinessArgs, resolveReadiness } from "../readiness/core";
import { awaitReady } from "../readiness/wait";
import { sha256 } from "./core";
import { applyInclude, DaemonLayout, IncludeState, readInclude, removeInclude } from "./daemon";

/** What every include-file resource keeps in state besides its own fields. */
export interface IncludeProps {
  connection: ConnectionArgs;
  name: string;
  /** Hash of the live include file (refresh) or of what was written. */
  sha256?: string;
  /** Refresh: the main and setting files are the managed ones. */
  mainInSync?: boolean;
  /** Refresh: the daemon runs. */
  running?: boolean;
  /** Overrides the kind's readiness probe or timeout. */
  readiness?: ReadinessArgs;
  /** Seconds the last create or update waited for readiness. */
  readySeconds?: number;
}

/** An include-file kind: its own fields (all updated in place), its check and renderer, its daemon's layout and readiness. */
export interface IncludeKindArgs<P extends IncludeProps, S> {
  type: string;
  /** The kind's own fields, in order. */
  fields: readonly string[];
  file: string;
  notes?: string;
  check(inputs: Record<string, unknown>): CheckFailure[];
  /** The include file's content, from the name and the kind's fields. */
  render(spec: S): string;
  layout(p: P): DaemonLayout;
  /** When the daemon counts as ready after a change (the unit is the layout's). */
  readiness(p: P): Omit<Readiness, "unit">;
}

/**
 * The declaration and the provider of an include-file kind: name replaces, its fields and readiness update in
 * place, drift from the hashes and the daemon's state; a replacement on the same host deletes first.
 */
export function includeResource<P extends IncludeProps, S>(a: IncludeKindArgs<P, S>): [KindDecl<P>, pulumi.dynamic.ResourceProvider<P, P>] {
  const render = (p: P): string => a.render(pickFields<S>(p, a.fields));
  const decl = defineKind<P>({
    type: a.type,
    id: (p) => {
      const l = a.layout(p);
      return `${targetOf(p.connection)}:${l.includeDir}/${p.name}.${l.ext}`;
    },
    fields: { replace: ["name"], update: [...a.fields, "readiness"], output: ["sha256", "mainInSync", "running", "readySeconds"] },
    file: a.file,
    notes: a.notes,
    check: (p) => {
      const c = new Checker();
      const own = a.check(p as unknown as Record<string, unknown>);
      // The name becomes <includeDir>/<name>.<ext>: refused here too when the kind's own check let it pass.
      if (!own.some((f) => f.property === "name")) {
        const l = a.layout(p);
        checkPathIn(c, "name", p.name, l.includeDir, `a file name that stays in ${l.includeDir}`, (n) => [`${n}.${l.ext}`]);
      }
      checkReadiness(c, "readiness", p.readiness);
      return [...own, ...c.failures];
    },
    changes: (olds) => olds.sha256 !== sha256(render(olds)) || olds.mainInSync === false || olds.running === false,
    deleteBeforeReplace: ({ replaces, connectionReplaces }) => replaces.length > 0 && !connectionReplaces,
  });
  return [decl, includeFileProvider(decl, { render, layout: a.layout, readiness: a.readiness })];
}

interface IncludeKind<P extends IncludeProps> {
  render(p: P): string;
  layout(p: P): DaemonLayout;
  readiness(p: P): Omit<Readiness, "unit">;
}

/** Are the main and setting files the managed ones? */
export function mainInSync(l: DaemonLayout, live: IncludeState): boolean {
  const mainOk = !l.main || live.main?.sha256 === sha256(l.main.content);
  return mainOk && (l.settings ?? []).every((s, i) => live.settings[i]?.sha256 === sha256(s.content));
}

function includeFileProvider<P extends IncludeProps>(decl: KindDecl<P>, k: IncludeKind<P>): pulumi.dynamic.ResourceProvider<P, P> {
  const written = (p: P, content: string, readySeconds: number): P => ({
    ...p,
    sha256: sha256(content),
    mainInSync: true,
    running: true,
    readySeconds,
  });
  const apply = async (p: P): Promise<P> => {
    const content = k.render(p);
    const t = sshTransport(p.connection);
    const l = k.layout(p);
    await applyInclude(t, l, p.name, content);
    const ready = resolveReadiness(p.readiness, { ...k.readiness(p), unit: l.unit });
    return written(p, content, await awaitReady(t, ready, `${decl.type} ${p.name}`));
  };
  return kindProvider<P>(decl, {
    async create(inputs) {
      const outs = await apply(inputs);
      return { id: decl.id!(inputs), outs };
    },

    async read(id, props) {
      if (!props) throw importUnsupported(decl.type, id);
      const l = k.layout(props);
      const live = await readInclude(sshTransport(props.connection), l, props.name);
      return { id, props: { ...props, sha256: live.include.sha256 ?? "absent", mainInSync: mainInSync(l, live), running: live.active } };
    },

    async update(_id, _olds, news) {
      return { outs: await apply(news) };
    },

    async delete(_id, props) {
      await removeInclude(sshTransport(props.connection), k.layout(props), props.name);
    },
  });
}

/** The spec of a kind: name plus the declared fields (bookkeeping outputs dropped). */
export function pickFields<S>(p: IncludeProps, fields: readonly string[]): S {
  const all = p as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { name: p.name };
  for (const f of fields) if (all[f] !== undefined) out[f] = all[f];
  return out as S;
}
