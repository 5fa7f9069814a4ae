// The lab presets: the seed's hosts with the seed's own addresses. Host names
// and groups are an interface: stacks and tests address hosts by them.

/** A network interface of a lab host, attached to one of the VM's bridges. */
export interface LabNic {
  /** Interface name inside the host, named like the seed (ens33, ens36). */
  name: string;
  /** Bridge: `lan` is 192.168.118.0/24, `wan` is 12.0.0.0/24. */
  bridge: "lan" | "wan";
  /** Address with prefix, e.g. 192.168.118.30/24. */
  cidr: string;
  /** An IPv6 address with prefix on the same interface, e.g. fd00:118::30/64 (added without DAD). */
  cidr6?: string;
}

export interface LabHostSpec {
  name: string;
  /** Ansible-like groups: directors, realservers, clients, appservers, haproxies. */
  groups: string[];
  nics: LabNic[];
  /** Default gateway, if the seed sets one for this host at the start. */
  gateway?: string;
  /** systemd units enabled at boot besides sshd (nginx on real servers, tomcat10 on tomcats). */
  enable?: string[];
  /** Content of nginx's default page (`this is nginx1` on rs1, as in the seed). */
  www?: string;
  /**
   * A shell command run in the host once, after its first boot and before the preset's state is saved (so every
   * later start and reset has it); the host's `enable` services must answer again afterwards.
   */
  setup?: string;
}

export interface LabPreset {
  name: string;
  description: string;
  hosts: LabHostSpec[];
  /** Addresses the preset leaves free for the stacks (the VIP). */
  reserved: string[];
}

/**
 * Tomcat tuned for the lab's emulated CPUs (TCG), where each start took 35 to 150 s: C1 only (C2's compiler
 * threads compete with the JVM's own start), the serial GC, and no TLD scan of the JARs in Tomcat's lib (20 to
 * 40 s per context; no lab app uses a tag library). Debian's own knobs (JAVA_OPTS in /etc/default/tomcat10,
 * catalina.properties), which no resource of this project manages: what the stacks do to Tomcat (descriptors,
 * apps, restarts) is unchanged.
 */
const TOMCAT_LAB_TUNING = [
  `sed -i 's|^JAVA_OPTS=.*|JAVA_OPTS="-Djava.awt.headless=true -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData"|' /etc/default/tomcat10`,
  `grep -q '^JAVA_OPTS=.*TieredStopAtLevel' /etc/default/tomcat10`,
  `printf '\ntomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar\n' >> /etc/tomcat10/catalina.properties`,
  `systemctl restart tomcat10`,
].join(" && ");

const lan = (host: number): LabNic => ({ name: "ens33", bridge: "lan", cidr: `192.168.118.${host}/24` });
/** The lan address with its IPv6 twin on fd00:118::/64 (the dr preset's IPv6 segment). */
const lan46 = (host: number): LabNic => ({ ...lan(host), cidr6: `fd00:118::${host}/64` });
const wan = (host: number): LabNic => ({ name: "ens33", bridge: "wan", cidr: `12.0.0.${host}/24` });

/** rs1 and rs2 with nginx; `nic` gives each its interface from its host number (30, 40). */
const realServers = (nic: (host: number) => LabNic = lan, gateway?: string): LabHostSpec[] => [
  { name: "rs1", groups: ["realservers"], nics: [nic(30)], enable: ["nginx"], www: "this is nginx1", ...(gateway ? { gateway } : {}) },
  { name: "rs2", groups: ["realservers"], nics: [nic(40)], enable: ["nginx"], www: "this is nginx2", ...(gateway ? { gateway } : {}) },
];

/** The dr hosts, each also on fd00:118::/64 (the IPv6 DR service's segment). */
const drHosts = (): LabHostSpec[] => [
  { name: "director1", groups: ["directors"], nics: [lan46(10)] },
  { name: "director2", groups: ["directors"], nics: [lan46(11)] },
  { name: "client", groups: ["clients"], nics: [lan46(20)] },
  ...realServers(lan46),
];

/** The router of the tun preset: forwards between its two segments (as a real network's router does). */
const ROUTER_SETUP = [`printf 'net.ipv4.ip_forward = 1\\n' > /etc/sysctl.d/90-lab-router.conf`, `sysctl -qw net.ipv4.ip_forward=1`].join(
  " && ",
);

export const presets: Record<string, LabPreset> = {
  nat: {
    name: "nat",
    description: "LVS-NAT: client on 12.0.0.0/24, director on both nets, real servers inside (gateway left to the stack)",
    reserved: [],
    hosts: [
      { name: "client", groups: ["clients"], nics: [{ name: "ens33", bridge: "wan", cidr: "12.0.0.10/24" }], gateway: "12.0.0.20" },
      {
        name: "director",
        groups: ["directors"],
        nics: [lan(20), { name: "ens36", bridge: "wan", cidr: "12.0.0.20/24" }],
      },
      ...realServers(),
    ],
  },
  dr: {
    name: "dr",
    description: "LVS-DR: two directors, a client and two real servers on 192.168.118.0/24; VIP .100 left free",
    reserved: ["192.168.118.100"],
    hosts: drHosts(),
  },
  "nginx-tomcat": {
    name: "nginx-tomcat",
    description: "the dr hosts plus tomcat1 and tomcat2 behind the nginx real servers",
    reserved: ["192.168.118.100"],
    hosts: [
      ...drHosts(),
      { name: "tomcat1", groups: ["appservers"], nics: [lan(50)], enable: ["tomcat10"], setup: TOMCAT_LAB_TUNING },
      { name: "tomcat2", groups: ["appservers"], nics: [lan(60)], enable: ["tomcat10"], setup: TOMCAT_LAB_TUNING },
    ],
  },
  tun: {
    name: "tun",
    description:
      "LVS-TUN: director and client on 192.168.118.0/24, the real servers on 12.0.0.0/24 behind a router (.1 / 12.0.0.1); VIP .100 left free",
    reserved: ["192.168.118.100"],
    hosts: [
      { name: "router", groups: ["routers"], nics: [lan(1), { ...wan(1), name: "ens36" }], setup: ROUTER_SETUP },
      { name: "director", groups: ["directors"], nics: [lan(10)], gateway: "192.168.118.1" },
      { name: "client", groups: ["clients"], nics: [lan(20)] },
      ...realServers(wan, "12.0.0.1"),
    ],
  },
  haproxy: {
    name: "haproxy",
    description: "two HAProxy hosts, a client and two nginx real servers; VIP .100 left free",
    reserved: ["192.168.118.100"],
    hosts: [
      { name: "haproxy1", groups: ["haproxies"], nics: [lan(50)] },
      { name: "haproxy2", groups: ["haproxies"], nics: [lan(51)] },
      { name: "client", groups: ["clients"], nics: [lan(20)] },
      ...realServers(),
    ],
  },
};

export function presetNamed(name: string): LabPreset {
  const p = presets[name];
  if (!p) throw new Error(`lab preset must be one of ${Object.keys(presets).join(", ")}; got "${name}"`);
  return p;
}
