// Route: an IPv4 route set with `ip route replace` (the seed's real servers'
// default gateway = DIP), persisted by a systemd unit so it comes back at
// boot (persist: false keeps it live only, as `route add` leaves one). Create
// records the route it displaces (`previous`); delete puts it back.
//
// Fields (which replace, which update in place): ROUTE below.
// Refresh reports a route changed by hand (present: false) or, unless persist
// is false, a unit removed or edited (persisted: false) as drift; `up` puts
// them back.
import * as pulumi from "@pulumi/pulumi";
import { defineKind, kindProvider, LvsResource } from "../common/define";
import { targetOf } from "../transport/types";
import { importUnsupported } from "../common/errors";
import { command } from "../transport/shell";
import * as boot from "../system/bootUnit";
import { sshTransport } from "../transport/ssh";
import { Transport } from "../transport/types";
import { ConnectionInput } from "../common/connection";
import {
  checkRoute,
  normalizeRoute,
  parseRoute,
  previousRoute,
  removeRouteCommand,
  renderRouteUnit,
  routeCommand,
  RouteSpec,
  routeUnitName,
} from "./core";

export interface RouteArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** "default" or an IPv4 CIDR. Required. */
  destination: pulumi.Input<string>;
  /** Gateway IPv4 address. Required. */
  via: pulumi.Input<string>;
  /** Interface. Optional. Default: none (no `dev`: the kernel picks the interface that reaches via). */
  dev?: pulumi.Input<string>;
  /**
   * Put it back at boot (a systemd unit). false: live only, as a hand-built one (`route add`) is; a missing unit is then
   * no drift. Turning it on later installs the unit in place, turning it off removes the unit and keeps the route.
   * Default true.
   */
  persist?: pulumi.Input<boolean>;
}

type Props = boot.BootUnitKindProps<
  RouteSpec,
  {
    /** The route this one displaced, as `ip route show` printed it; put back on delete. */
    previous?: string;
    /** Refresh: is the live route the declared one? */
    present?: boolean;
  }
>;

const bootUnit = boot.unitOf((r: RouteSpec) => routeUnitName(r.destination), renderRouteUnit);

/** Sets the route, with the boot unit as `step` says (written and enabled first, removed first, or left alone). */
function apply(t: Transport, r: RouteSpec, step: boot.BootUnitStep): Promise<void> {
  return boot.applyWithBootUnit(t, bootUnit(r), routeCommand(r), step);
}

export const ROUTE = defineKind<Props>({
  type: "Route",
  id: (p) => `${targetOf(p.connection)}/route/${normalizeRoute(p).destination}`,
  fields: { replace: ["destination"], update: ["via", "dev", "persist"], output: ["previous", "present", "persisted"] },
  file: __filename,
  notes:
    "a systemd unit puts it back at boot (unless persist is false); deletes before replacing when the destination (the unit's name) stays",
  check: (p) => checkRoute(p as Record<string, unknown>),
  normalize: (p) => boot.persistForm({ ...p, ...normalizeRoute(p) }),
  changes: boot.bootUnitDrift((p) => p.present),
  // The boot unit is named after the destination: a replacement that keeps
  // it must remove the old unit before writing the new one.
  deleteBeforeReplace: boot.deleteBeforeReplaceSameUnit((p) => (p.destination === undefined ? undefined : routeUnitName(p.destination))),
});

export const routeProvider = kindProvider<Props>(ROUTE, {
  async create(inputs) {
    const t = sshTransport(inputs.connection);
    const r = normalizeRoute(inputs);
    const previous = previousRoute(await t.run(`ip route show ${command(r.destination)}`));
    const step = boot.bootUnitStep(undefined, inputs);
    await apply(t, r, step);
    return {
      id: ROUTE.id!(inputs),
      outs: { ...inputs, ...r, ...(previous !== undefined ? { previous } : {}), present: true, persisted: step === "install" },
    };
  },

  async read(id, props) {
    if (!props) throw importUnsupported("Route", id);
    const t = sshTransport(props.connection);
    const r = normalizeRoute(props);
    const { probed, persisted } = await boot.readBootUnit(t, bootUnit(r), `ip route show ${command(r.destination)} || exit 1`);
    // Even when neither the route nor the unit exists the id stays: the
    // resource is reported as drift and `up` puts it back.
    return { id, props: { ...props, ...r, present: parseRoute(probed, r), persisted } };
  },

  async update(_id, olds, news) {
    const t = sshTransport(news.connection);
    const r = normalizeRoute(news);
    const step = boot.bootUnitStep(olds, news);
    await apply(t, r, step);
    return {
      outs: {
        ...news,
        ...r,
        ...(olds.previous !== undefined ? { previous: olds.previous } : {}),
        present: true,
        persisted: step === "install",
      },
    };
  },

  async delete(_id, props) {
    const t = sshTransport(props.connection);
    const r = normalizeRoute(props);
    await t.run(`${boot.removeBootUnit(bootUnit(r))}; ${removeRouteCommand(r, props.previous)}`);
  },
});

/** An IPv4 route (such as a real server's default gateway), persisted across reboots (unless persist is false). */
export class Route extends LvsResource {
  /** Refresh: is the live route the declared one? */
  declare readonly present: pulumi.Output<boolean>;
  /** Refresh: is the boot unit in place and enabled? */
  declare readonly persisted: pulumi.Output<boolean>;
  /** The route create displaced (`ip route show <destination>` first entry), put back on delete. */
  declare readonly previous: pulumi.Output<string | undefined>;

  constructor(name: string, args: RouteArgs, opts?: pulumi.CustomResourceOptions) {
    super(ROUTE, routeProvider, name, args, opts);
  }
}
