// ipvsadm argument lists for services and real servers. Edits (-E, -e)
// replace the whole entry, so every list carries the complete entry.
import { RealServer, ServiceKey, VirtualService, hostPort } from "./model";

export function keyArgs(k: ServiceKey): string[] {
  switch (k.protocol) {
    case "fwmark":
      return ["-f", String(k.fwmark), ...(k.family === "inet6" ? ["-6"] : [])];
    case "tcp":
      return ["-t", hostPort(k.address ?? "", k.port ?? 0)];
    case "udp":
      return ["-u", hostPort(k.address ?? "", k.port ?? 0)];
    case "sctp":
      return ["--sctp-service", hostPort(k.address ?? "", k.port ?? 0)];
  }
}

function serviceOptions(s: VirtualService): string[] {
  const a = ["-s", s.scheduler];
  if (s.persistence !== undefined) a.push("-p", String(s.persistence));
  if (s.netmask !== undefined) a.push("-M", s.netmask);
  if (s.schedFlags.length) a.push("-b", s.schedFlags.join(","));
  if (s.onePacket) a.push("-o");
  return a;
}

/** `ipvsadm -A ...` or `-E ...` for the complete service entry. */
export function serviceArgs(verb: "-A" | "-E", s: VirtualService): string[] {
  return [verb, ...keyArgs(s), ...serviceOptions(s)];
}

export function deleteServiceArgs(k: ServiceKey): string[] {
  return ["-D", ...keyArgs(k)];
}

/** The real server's port as ipvsadm stores it: the service port when not given. */
export function effectivePort(rs: RealServer): number {
  return rs.port ?? (rs.service.protocol === "fwmark" ? 0 : (rs.service.port ?? 0));
}

const METHOD_FLAG = { masq: "-m", route: "-g", tunnel: "-i" } as const;

/** `ipvsadm -a ...` or `-e ...` for the complete real-server entry. */
export function serverArgs(verb: "-a" | "-e", rs: RealServer): string[] {
  const a = [verb, ...keyArgs(rs.service), "-r", hostPort(rs.address, effectivePort(rs)), METHOD_FLAG[rs.method], "-w", String(rs.weight)];
  if (rs.upperThreshold) a.push("-x", String(rs.upperThreshold));
  if (rs.lowerThreshold) a.push("-y", String(rs.lowerThreshold));
  if (rs.method === "tunnel" && rs.tunType) {
    a.push("--tun-type", rs.tunType);
    if (rs.tunPort !== undefined) a.push("--tun-port", String(rs.tunPort));
    if (rs.tunNoCsum) a.push("--tun-nocsum");
    if (rs.tunCsum) a.push("--tun-csum");
    if (rs.tunRemCsum) a.push("--tun-remcsum");
  }
  return a;
}

export function deleteServerArgs(rs: Pick<RealServer, "service" | "address" | "port">): string[] {
  return ["-d", ...keyArgs(rs.service), "-r", hostPort(rs.address, effectivePort(rs as RealServer))];
}

/** One `ipvsadm -Sn` line for a service, as ipvsadm prints it (for round-trip tests). */
export function saveLine(s: VirtualService): string {
  return [
    "-A",
    ...keyArgs(s),
    "-s",
    s.scheduler,
    ...(s.persistence !== undefined ? ["-p", String(s.persistence)] : []),
    ...(s.netmask !== undefined ? ["-M", s.netmask] : []),
    ...(s.schedFlags.length ? ["-b", s.schedFlags.join(",")] : []),
    ...(s.onePacket ? ["-o"] : []),
  ].join(" ");
}

/** One `ipvsadm -Sn` line for a real server, as ipvsadm prints it (thresholds are not in -Sn). */
export function saveServerLine(rs: RealServer): string {
  const a = serverArgs("-a", { ...rs, upperThreshold: 0, lowerThreshold: 0 });
  return a.join(" ");
}
