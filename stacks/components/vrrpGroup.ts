// A keepalived VRRP group: one KeepalivedInstance per member sharing the VRID
// and an auth_pass (a random.RandomPassword: 8 letters and digits, secret in
// state), the VIP moving to the highest priority alive. Optionally a track script (written as a file next to
// keepalived's config) that lowers a member's priority when its service dies,
// and the same virtual_servers on every member (keepalived then drives IPVS).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { KeepalivedInstance, KeepalivedVirtualServer, ManagedFile } from "../../providers";
import { HostAddresses, vrrpPair } from "../checks";
import { ClusterHost, clusterAddress } from "../hosts";
import { checkedVip } from "./known";

export interface VrrpMember {
  /** Required. A host added or removed adds or removes its KeepalivedInstance only; another host replaces its instance. */
  host: ClusterHost;
  /** The initial VRRP state. Required. Updated in place. */
  state: "MASTER" | "BACKUP";
  /** VRRP priority, 1..254; the highest alive holds the VIP. Required. Updated in place. */
  priority: number;
}

/** A pair: `master` as MASTER (default priority 120), `backup` as BACKUP (default 100). */
export function masterBackup(master: ClusterHost, backup: ClusterHost, priorities = { master: 120, backup: 100 }): VrrpMember[] {
  return [
    { host: master, state: "MASTER", priority: priorities.master },
    { host: backup, state: "BACKUP", priority: priorities.backup },
  ];
}

export interface TrackScript {
  /** vrrp_script name, e.g. check_nginx; also the script's file name. Required. A change replaces the script's file. */
  name: string;
  /** The script's content (a shell script exiting non-zero when the service is down). Required. Updated in place. */
  content: string;
  /** Seconds between runs. Required. Updated in place. */
  interval: number;
  /** Priority change while failing (negative). Required. Updated in place. */
  weight: number;
  /** Failures before the script counts as failing. Default 2. Updated in place. */
  fall?: number;
  /** Successes before it counts as passing again. Default 2. Updated in place. */
  rise?: number;
}

export interface VrrpGroupArgs {
  /** The members (see `masterBackup`): one MASTER, the others BACKUP, distinct priorities. Required. A member added or removed adds or removes its instance only. */
  members: VrrpMember[];
  /** The interface VRRP runs on and the VIP is added to. Required. Updated in place. */
  interface: string;
  /** The VRID, 1..255, unique on the segment. Required. Updated in place. */
  virtualRouterId: number;
  /** The VIP; may be an Output. Required. Updated in place. */
  vip: pulumi.Input<string>;
  /** Prefix of the VIP. Default 32 (keepalived's default for a bare address). Updated in place. */
  vipPrefix?: number;
  /** Label of the VIP. Default `<interface>:0`. Updated in place. */
  label?: string;
  /** Seconds between VRRP adverts. Default 1. Updated in place. */
  advertInt?: number;
  /** VRRP authentication type. Default PASS. Updated in place. */
  authType?: "PASS" | "AH";
  /** A script that lowers a member's priority while it fails. Default none. Updated in place (its file: see `TrackScript`). */
  trackScript?: TrackScript;
  /** keepalived virtual_servers, the same on every member (keepalived then drives IPVS). Default none. Updated in place. */
  virtualServers?: KeepalivedVirtualServer[];
  /** Hosts whose addresses the VIP must not be; only checked. Default none. */
  otherHosts?: HostAddresses[];
}

/** What `npm run doctor` needs to know of a group (a stack output). */
export interface VrrpGroupDescription {
  vip: string;
  virtualRouterId: number;
  interface: string;
  members: { host: string; address: string; state: "MASTER" | "BACKUP"; priority: number }[];
  /** VIP:port -> real server address:port, for the IPVS and real-server checks. */
  virtualServers: { address: string; port: number; realServers: { address: string; port: number }[] }[];
}

/**
 * A keepalived VRRP group. Outputs: `vip`, `virtualRouterId`, `interface`,
 * `members`, `virtualServers` and `instances` (not the auth_pass, which stays
 * in the RandomPassword's state only); every child is parented to the group.
 */
export class VrrpGroup extends pulumi.ComponentResource {
  /** One KeepalivedInstance per member, in the order given. */
  readonly instances: KeepalivedInstance[];
  /** The VRRP auth_pass (secret). */
  readonly authPass: pulumi.Output<string>;
  /** What `npm run doctor` needs (a stack output): `vip`, `members` and `virtualServers` below, with the VRID and interface. */
  readonly description: pulumi.Output<VrrpGroupDescription>;
  /** The VIP. */
  readonly vip: pulumi.Output<string>;
  /** The members: name, address on the group's interface, state, priority. */
  readonly members: pulumi.Output<VrrpGroupDescription["members"]>;
  /** The virtual servers: VIP:port and their real servers' address:port. */
  readonly virtualServers: pulumi.Output<VrrpGroupDescription["virtualServers"]>;

  constructor(name: string, args: VrrpGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything registers: a bad group fails the preview with its own message.
    const vip = checkVrrpGroup(name, args);
    super("pulumi-lvs:stacks:VrrpGroup", name, {}, opts);
    // keepalived reads at most 8 characters of auth_pass; letters and digits
    // only, so nothing in keepalived.conf or a shell needs quoting. A stack
    // deployed before RandomPassword has a GeneratedSecret here: `npm run
    // migrate` imports its value as this resource, whose import records every
    // character class as allowed: hence ignoreChanges on `special`.
    const password = new random.RandomPassword(`${name}-auth`, { length: 8, special: false }, { parent: this, ignoreChanges: ["special"] });
    this.authPass = password.result;
    this.instances = vrrpInstances(this, name, { ...args, vip }, password.result);
    this.vip = pulumi.output(vip);
    this.members = pulumi
      .all(args.members.map((m) => clusterAddress(m.host, args.interface)))
      .apply((addresses) =>
        args.members.map((m, i) => ({ host: m.host.name, address: addresses[i], state: m.state, priority: m.priority })),
      );
    this.virtualServers = pulumi.output(
      (args.virtualServers ?? []).map((v) => ({
        address: v.address,
        port: v.port,
        realServers: v.realServers.map((r) => ({ address: r.address, port: r.port })),
      })),
    );
    this.description = pulumi.all([this.vip, this.members, this.virtualServers]).apply(([v, members, virtualServers]) => ({
      vip: v,
      virtualRouterId: args.virtualRouterId,
      interface: args.interface,
      members,
      virtualServers,
    }));
    this.registerOutputs({
      vip: this.vip,
      virtualRouterId: args.virtualRouterId,
      interface: args.interface,
      members: this.members,
      virtualServers: this.virtualServers,
      instances: this.instances,
    });
  }
}

/**
 * The VIP of group `name`, checked (one MASTER, the highest; distinct
 * priorities; the VIP no member's or other host's address): throws every
 * failure at once when the values are plain, else checks once they resolve
 * (see checkedVip). A program that declares resources before the group can
 * call it first, so that a bad group is refused before anything registers.
 */
export function checkVrrpGroup(name: string, args: VrrpGroupArgs): pulumi.Input<string> {
  const failures = vrrpPair(
    args.members.map((m) => ({
      host: m.host.name,
      state: m.state,
      priority: m.priority,
      virtualRouterId: args.virtualRouterId,
      interface: args.interface,
    })),
  );
  return checkedVip(name, args.vip, [...args.members.map((m) => m.host), ...(args.otherHosts ?? [])], () => failures);
}

/**
 * The members' KeepalivedInstances (and track-script files) of group `name`,
 * parented to `parent`, sharing `authPass`.
 */
export function vrrpInstances(
  parent: pulumi.Resource,
  name: string,
  args: VrrpGroupArgs,
  authPass: pulumi.Input<string>,
): KeepalivedInstance[] {
  const ts = args.trackScript;
  return args.members.map((m) => {
    const script = ts
      ? new ManagedFile(
          `${name}-${m.host.name}-${ts.name}`,
          { connection: m.host.connection, path: `/etc/keepalived/${ts.name}.sh`, content: ts.content, mode: "0755", validate: "sh -n %s" },
          { parent },
        )
      : undefined;
    return new KeepalivedInstance(
      `${name}-${m.host.name}`,
      {
        connection: m.host.connection,
        name,
        // keepalived -t (the validation before each swap) refuses a vrrp_script
        // without script security ("SECURITY VIOLATION"); the seed's configs set both.
        globalDefs: {
          routerId: `${name}_${m.host.name}`.replace(/[^A-Za-z0-9_.-]/g, "_"),
          ...(ts ? { enableScriptSecurity: true, scriptUser: "root" } : {}),
        },
        scripts: ts
          ? [
              {
                name: ts.name,
                script: `/etc/keepalived/${ts.name}.sh`,
                interval: ts.interval,
                weight: ts.weight,
                fall: ts.fall ?? 2,
                rise: ts.rise ?? 2,
              },
            ]
          : undefined,
        vrrp: pulumi.output(args.vip).apply((vip) => ({
          name: `VI_${args.virtualRouterId}`,
          state: m.state,
          interface: args.interface,
          virtualRouterId: args.virtualRouterId,
          priority: m.priority,
          advertInt: args.advertInt ?? 1,
          authentication: { type: args.authType ?? "PASS", pass: authPass },
          virtualIpaddress: [
            { address: vip, prefix: args.vipPrefix ?? 32, dev: args.interface, label: args.label ?? `${args.interface}:0` },
          ],
          trackScript: ts ? [ts.name] : undefined,
        })),
        virtualServers: args.virtualServers,
      },
      { parent, dependsOn: script ? [script] : [] },
    );
  });
}
