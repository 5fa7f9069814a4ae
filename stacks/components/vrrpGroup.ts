// A keepalived VRRP group: one KeepalivedInstance per member sharing the VRID
// and an auth_pass (a random.RandomPassword: 8 letters and digits, secret in
// state), the VIP moving to the highest priority alive. Optionally a track script (written as a file next to
// keepalived's config) that lowers a member's priority when its service dies,
// and the same virtual_servers on every member (keepalived then drives IPVS).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { KeepalivedInstance, KeepalivedVirtualServer, ManagedFile } from "../../providers";
import { assertTopology, HostAddresses, vipNotOwned, vrrpPair } from "../checks";
import { addressOf, Host } from "../hosts";

export interface VrrpMember {
  host: Host;
  state: "MASTER" | "BACKUP";
  priority: number;
}

/** A pair: `master` as MASTER (default priority 120), `backup` as BACKUP (default 100). */
export function masterBackup(master: Host, backup: Host, priorities = { master: 120, backup: 100 }): VrrpMember[] {
  return [
    { host: master, state: "MASTER", priority: priorities.master },
    { host: backup, state: "BACKUP", priority: priorities.backup },
  ];
}

export interface TrackScript {
  /** vrrp_script name, e.g. check_nginx. */
  name: string;
  /** The script's content (a shell script exiting non-zero when the service is down). */
  content: string;
  interval: number;
  /** Priority change while failing (negative). */
  weight: number;
  fall?: number;
  rise?: number;
}

export interface VrrpGroupArgs {
  members: VrrpMember[];
  interface: string;
  virtualRouterId: number;
  vip: string;
  /** Default 32 (keepalived's default for a bare address). */
  vipPrefix?: number;
  /** Default `<interface>:0`. */
  label?: string;
  advertInt?: number;
  /** VRRP authentication type. Default PASS. */
  authType?: "PASS" | "AH";
  trackScript?: TrackScript;
  virtualServers?: KeepalivedVirtualServer[];
  /** Hosts whose addresses the VIP must not be. */
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

export class VrrpGroup extends pulumi.ComponentResource {
  readonly instances: KeepalivedInstance[];
  readonly authPass: pulumi.Output<string>;
  readonly description: VrrpGroupDescription;

  constructor(name: string, args: VrrpGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-lvs:stacks:VrrpGroup", name, {}, opts);
    assertTopology(name, [
      ...vrrpPair(
        args.members.map((m) => ({
          host: m.host.name,
          state: m.state,
          priority: m.priority,
          virtualRouterId: args.virtualRouterId,
          interface: args.interface,
        })),
      ),
      ...vipNotOwned(args.vip, [...args.members.map((m) => m.host), ...(args.otherHosts ?? [])]),
    ]);
    // keepalived reads at most 8 characters of auth_pass; letters and digits
    // only, so nothing in keepalived.conf or a shell needs quoting. A stack
    // deployed before RandomPassword has a GeneratedSecret here: `npm run
    // migrate` imports its value as this resource, whose import records every
    // character class as allowed: hence ignoreChanges on `special`.
    const password = new random.RandomPassword(`${name}-auth`, { length: 8, special: false }, { parent: this, ignoreChanges: ["special"] });
    this.authPass = password.result;
    this.instances = vrrpInstances(this, name, args, password.result);
    this.description = {
      vip: args.vip,
      virtualRouterId: args.virtualRouterId,
      interface: args.interface,
      members: args.members.map((m) => ({
        host: m.host.name,
        address: addressOf(m.host, args.interface),
        state: m.state,
        priority: m.priority,
      })),
      virtualServers: (args.virtualServers ?? []).map((v) => ({
        address: v.address,
        port: v.port,
        realServers: v.realServers.map((r) => ({ address: r.address, port: r.port })),
      })),
    };
    this.registerOutputs({});
  }
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
        vrrp: {
          name: `VI_${args.virtualRouterId}`,
          state: m.state,
          interface: args.interface,
          virtualRouterId: args.virtualRouterId,
          priority: m.priority,
          advertInt: args.advertInt ?? 1,
          authentication: { type: args.authType ?? "PASS", pass: authPass },
          virtualIpaddress: [
            { address: args.vip, prefix: args.vipPrefix ?? 32, dev: args.interface, label: args.label ?? `${args.interface}:0` },
          ],
          trackScript: ts ? [ts.name] : undefined,
        },
        virtualServers: args.virtualServers,
      },
      { parent, dependsOn: script ? [script] : [] },
    );
  });
}
