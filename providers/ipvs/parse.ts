// Parsers for ipvsadm's own output: `ipvsadm -Sn` (services and real servers)
// and `ipvsadm -Ln --thresholds` (thresholds and connection counters).
import {
  IpvsTable,
  Protocol,
  RealServer,
  SchedFlag,
  Scheduler,
  ServiceKey,
  TunType,
  VirtualService,
  canonicalAddress,
  sameKey,
} from "./model";

function splitHostPort(s: string, line: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`ipvsadm output: cannot read address "${s}" in line: ${line}`);
  return { address: canonicalAddress(m[1]), port: Number(m[2]) };
}

const SERVICE_FLAGS: Record<string, Protocol> = {
  "-t": "tcp",
  "--tcp-service": "tcp",
  "-u": "udp",
  "--udp-service": "udp",
  "--sctp-service": "sctp",
  "-f": "fwmark",
  "--fwmark-service": "fwmark",
};

/** Reads the service part (-t/-u/--sctp-service/-f) of a -A or -a line; returns the key and the index after it. */
function readKey(words: string[], line: string): { key: ServiceKey; next: number } {
  const protocol = SERVICE_FLAGS[words[1]];
  if (!protocol) throw new Error(`ipvsadm output: unknown service flag "${words[1]}" in line: ${line}`);
  if (protocol === "fwmark") {
    const key: ServiceKey = { protocol, fwmark: Number(words[2]) };
    if (words[3] === "-6") return { key: { ...key, family: "inet6" }, next: 4 };
    return { key, next: 3 };
  }
  const { address, port } = splitHostPort(words[2], line);
  return { key: { protocol, address, port }, next: 3 };
}

/** Parses `ipvsadm -Sn` (the format ipvsadm-restore reads). */
export function parseIpvsSave(text: string): IpvsTable {
  const table: IpvsTable = { services: [], servers: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const words = line.split(/\s+/);
    const { key, next } = readKey(words, line);
    if (words[0] === "-A") {
      const svc: VirtualService = { ...key, scheduler: "wlc", schedFlags: [], onePacket: false };
      for (let i = next; i < words.length; i++) {
        const w = words[i];
        if (w === "-s") svc.scheduler = words[++i] as Scheduler;
        else if (w === "-p") svc.persistence = Number(words[++i]);
        else if (w === "-M") svc.netmask = words[++i];
        else if (w === "-b") svc.schedFlags = words[++i].split(",") as SchedFlag[];
        else if (w === "-o") svc.onePacket = true;
        else throw new Error(`ipvsadm output: unknown service option "${w}" in line: ${line}`);
      }
      table.services.push(svc);
    } else if (words[0] === "-a") {
      if (words[next] !== "-r") throw new Error(`ipvsadm output: expected -r in line: ${line}`);
      const { address, port } = splitHostPort(words[next + 1], line);
      const rs: RealServer = { service: key, address, port, method: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0 };
      for (let i = next + 2; i < words.length; i++) {
        const w = words[i];
        if (w === "-g") rs.method = "route";
        else if (w === "-m") rs.method = "masq";
        else if (w === "-i") rs.method = "tunnel";
        else if (w === "-w") rs.weight = Number(words[++i]);
        else if (w === "-x") rs.upperThreshold = Number(words[++i]);
        else if (w === "-y") rs.lowerThreshold = Number(words[++i]);
        else if (w === "--tun-type") rs.tunType = words[++i] as TunType;
        else if (w === "--tun-port") rs.tunPort = Number(words[++i]);
        else if (w === "--tun-nocsum") rs.tunNoCsum = true;
        else if (w === "--tun-csum") rs.tunCsum = true;
        else if (w === "--tun-remcsum") rs.tunRemCsum = true;
        else throw new Error(`ipvsadm output: unknown server option "${w}" in line: ${line}`);
      }
      table.servers.push(rs);
    } else {
      throw new Error(`ipvsadm output: unexpected line: ${line}`);
    }
  }
  return table;
}

/** Thresholds and connection counters of one real server, from `ipvsadm -Ln --thresholds`. */
export interface ServerCounters {
  service: ServiceKey;
  address: string;
  port: number;
  upperThreshold: number;
  lowerThreshold: number;
  activeConn: number;
  inactConn: number;
}

const LIST_PROTOCOLS: Record<string, Protocol> = { TCP: "tcp", UDP: "udp", SCTP: "sctp", FWM: "fwmark" };

/** Parses `ipvsadm -Ln --thresholds`. */
export function parseThresholds(text: string): ServerCounters[] {
  const out: ServerCounters[] = [];
  let current: ServiceKey | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const words = line.split(/\s+/);
    const protocol = LIST_PROTOCOLS[words[0]];
    if (protocol) {
      if (protocol === "fwmark") {
        current = { protocol, fwmark: Number(words[1]), ...(words[2] === "IPv6" ? { family: "inet6" as const } : {}) };
      } else {
        current = { protocol, ...splitHostPort(words[1], line) };
      }
    } else if (words[0] === "->" && current && words.length >= 6) {
      const { address, port } = splitHostPort(words[1], line);
      out.push({
        service: current,
        address,
        port,
        upperThreshold: Number(words[2]),
        lowerThreshold: Number(words[3]),
        activeConn: Number(words[4]),
        inactConn: Number(words[5]),
      });
    }
  }
  return out;
}

/** Merges thresholds into the servers of a parsed -Sn table. */
export function withThresholds(table: IpvsTable, counters: ServerCounters[]): IpvsTable {
  return {
    services: table.services,
    servers: table.servers.map((rs) => {
      const c = counters.find(
        (x) => sameKey(x.service, rs.service) && canonicalAddress(x.address) === canonicalAddress(rs.address) && x.port === rs.port,
      );
      return c ? { ...rs, upperThreshold: c.upperThreshold, lowerThreshold: c.lowerThreshold } : rs;
    }),
  };
}
