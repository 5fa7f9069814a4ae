// What to do on a host to reach a desired service or real server, given the
// host's table: nothing, add, edit in place, or refuse a conflicting object.
import { IpvsTable, RealServer, ServiceKey, VirtualService, canonicalAddress, sameKey } from "./model";
import { effectivePort } from "./render";

export type Action = "none" | "add" | "edit" | "conflict";

export interface Plan<T> {
  action: Action;
  /** The live entry with the same identity, if any. */
  live?: T;
}

export function sameServiceSettings(a: VirtualService, b: VirtualService): boolean {
  return (
    a.scheduler === b.scheduler &&
    [...a.schedFlags].sort().join(",") === [...b.schedFlags].sort().join(",") &&
    a.persistence === b.persistence &&
    (a.netmask ?? "") === (b.netmask ?? "") &&
    a.onePacket === b.onePacket
  );
}

export function sameServer(a: RealServer, b: RealServer): boolean {
  return (
    sameKey(a.service, b.service) && canonicalAddress(a.address) === canonicalAddress(b.address) && effectivePort(a) === effectivePort(b)
  );
}

export function sameServerSettings(a: RealServer, b: RealServer): boolean {
  return (
    a.method === b.method &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    (a.method !== "tunnel" || ((a.tunType ?? "ipip") === (b.tunType ?? "ipip") && a.tunPort === b.tunPort))
  );
}

/**
 * create: an identical live service is adopted (none), a different one is a
 * conflict. update: a different one is edited in place, a missing one added.
 */
export function planService(table: IpvsTable, want: VirtualService, mode: "create" | "update"): Plan<VirtualService> {
  const live = table.services.find((s) => sameKey(s, want));
  if (!live) return { action: "add" };
  if (sameServiceSettings(live, want)) return { action: "none", live };
  return { action: mode === "create" ? "conflict" : "edit", live };
}

export function planServer(table: IpvsTable, want: RealServer, mode: "create" | "update"): Plan<RealServer> {
  const live = table.servers.find((s) => sameServer(s, want));
  if (!live) return { action: "add" };
  if (sameServerSettings(live, want)) return { action: "none", live };
  return { action: mode === "create" ? "conflict" : "edit", live };
}

/** A change to the host's table as the provider's cached view sees it (applied after ipvsadm succeeded). */
export type TableEdit = (t: IpvsTable) => IpvsTable;

/** The service added (-A) or edited (-E). */
export function putService(svc: VirtualService): TableEdit {
  return (t) => ({ ...t, services: [...t.services.filter((s) => !sameKey(s, svc)), svc] });
}

/** The service deleted (-D), with its real servers (the kernel removes them too). */
export function dropService(key: ServiceKey): TableEdit {
  return (t) => ({ services: t.services.filter((s) => !sameKey(s, key)), servers: t.servers.filter((r) => !sameKey(r.service, key)) });
}

/** The real server added (-a) or edited (-e), with its port as the kernel stores it. */
export function putServer(rs: RealServer): TableEdit {
  const live = { ...rs, port: effectivePort(rs) };
  return (t) => ({ ...t, servers: [...t.servers.filter((s) => !sameServer(s, live)), live] });
}

/** The real server deleted (-d). */
export function dropServer(rs: RealServer): TableEdit {
  return (t) => ({ ...t, servers: t.servers.filter((s) => !sameServer(s, rs)) });
}

/** Two tables hold the same services and real servers with the same settings (order aside). */
export function sameTable(a: IpvsTable, b: IpvsTable): boolean {
  return (
    a.services.length === b.services.length &&
    a.servers.length === b.servers.length &&
    a.services.every((s) => b.services.some((x) => sameKey(x, s) && sameServiceSettings(x, s))) &&
    a.servers.every((r) => b.servers.some((x) => sameServer(x, r) && sameServerSettings(x, r)))
  );
}

/** The table already shows the change's effect: applying it again changes nothing. */
export function holds(edit: TableEdit, table: IpvsTable): boolean {
  return sameTable(edit(table), table);
}
