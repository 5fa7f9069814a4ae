// KeepalivedInstance: one include file /etc/keepalived/conf.d/<name>.conf
// (global_defs, vrrp_scripts, a vrrp_instance, virtual_servers) under a
// managed keepalived.conf that includes them all. Each change is validated
// with `keepalived -t` among the host's other instances before it goes live,
// and applied with a reload (SIGHUP), never a restart. The last instance
// removed from a host puts back the stock keepalived.conf and the unit's
// enabled/active state.
//
// Fields (which replace, which update in place): KEEPALIVED_INSTANCE below.
// Refresh reads the include and main files' hashes and
// whether keepalived runs: a hand edit or a stopped daemon shows as drift.
import * as pulumi from "@pulumi/pulumi";
import { DaemonLayout } from "../files/daemon";
import { includeResource, IncludeProps } from "../files/includeProvider";
import { ReadinessArgs, ReadinessProbe } from "../readiness/core";
import { quote } from "../transport/shell";
import { ConnectionInput } from "../common/connection";
import { checkKeepalivedInstance } from "./check";
import { renderKeepalivedInstance, renderKeepalivedMain } from "./render";
import { KeepalivedGlobalDefs, KeepalivedInstanceSpec, KeepalivedVirtualServer, VrrpInstance, VrrpScript } from "./spec";
import { LvsResource } from "../common/define";
import { hostPort } from "../common/net";

export interface KeepalivedInstanceArgs {
  /** How to reach the host over SSH. Required. */
  connection: pulumi.Input<ConnectionInput>;
  /** File name under /etc/keepalived/conf.d (without .conf). Required. */
  name: pulumi.Input<string>;
  /** global_defs (router_id, notification email, vrrp_strict, ...). Set it on one instance per host. Default: none (no global_defs). */
  globalDefs?: pulumi.Input<KeepalivedGlobalDefs>;
  /** vrrp_script blocks (health checks that move priority). Default: none (no vrrp_script). */
  scripts?: pulumi.Input<pulumi.Input<VrrpScript>[]>;
  /**
   * The vrrp_instance. Pass authentication.pass as a secret (e.g. a random.RandomPassword's result). Default: none (no
   * vrrp_instance); at least one of globalDefs, scripts, vrrp and virtualServers is required.
   */
  vrrp?: pulumi.Input<VrrpInstanceArgs>;
  /** virtual_server blocks (IPVS services with health-checked real servers). Default: none (no virtual_server). */
  virtualServers?: pulumi.Input<pulumi.Input<KeepalivedVirtualServer>[]>;
  /** When the daemon counts as ready after a change; up waits for it. Default: a MASTER holds its virtual addresses (30 s); otherwise the unit is active. */
  readiness?: pulumi.Input<ReadinessArgs>;
}

/** A vrrp_instance whose auth pass may be an output (a secret). */
export type VrrpInstanceArgs = Omit<VrrpInstance, "authentication"> & {
  authentication?: pulumi.Input<{ type: "PASS" | "AH"; pass: pulumi.Input<string> }>;
};

type Props = KeepalivedInstanceSpec & IncludeProps;

const DIR = "/etc/keepalived/conf.d";
const MAIN = "/etc/keepalived/keepalived.conf";

/** How keepalived is laid out on a host; validation runs keepalived -t on a copy of the include set. */
export const keepalivedLayout: DaemonLayout = {
  unit: "keepalived",
  includeDir: DIR,
  ext: "conf",
  main: { path: MAIN, content: renderKeepalivedMain(`${DIR}/*.conf`) },
  // No printf format here: applyScript substitutes every %s with the candidate's path.
  validateSet: `echo "include $v/*.conf" > "$v/main.cfg" && keepalived -t -l -f "$v/main.cfg"`,
};

export const [KEEPALIVED_INSTANCE, keepalivedInstanceProvider] = includeResource<Props, KeepalivedInstanceSpec>({
  type: "KeepalivedInstance",
  fields: ["globalDefs", "scripts", "vrrp", "virtualServers"],
  file: __filename,
  notes:
    "validated with `keepalived -t` among the host's other instances, applied with a reload; the last instance puts back the stock keepalived.conf",
  check: checkKeepalivedInstance,
  render: renderKeepalivedInstance,
  layout: () => keepalivedLayout,
  readiness: (p) => ({ probe: keepalivedProbe(p), timeoutSeconds: 60 }),
});

/**
 * keepalived is ready when a MASTER instance holds its virtual addresses
 * (VRRP elects within about 3 x advert_int) and every virtual_server is in the
 * kernel's IPVS table with each of its real servers (keepalived's checkers
 * have passed them); otherwise when the unit is active.
 */
function keepalivedProbe(p: Props): ReadinessProbe {
  const checks: string[] = [];
  if (p.vrrp?.state === "MASTER")
    for (const v of p.vrrp.virtualIpaddress) checks.push(`ip -o addr show to ${quote(v.address)} | grep -q .`);
  for (const vs of p.virtualServers ?? []) {
    const flag = vs.protocol === "UDP" ? "-u" : vs.protocol === "SCTP" ? "--sctp-service" : "-t";
    for (const rs of vs.realServers)
      checks.push(`grep -qF -- ${quote(`-a ${flag} ${hostPort(vs.address, vs.port)} -r ${hostPort(rs.address, rs.port)} `)} <<<"$t"`);
  }
  if (!checks.length) return { type: "none" };
  return { type: "command", command: `t=$(ipvsadm -Sn 2>/dev/null); ${checks.join(" && ")}` };
}

/** A keepalived instance (VRRP and/or IPVS virtual servers) on one host. */
export class KeepalivedInstance extends LvsResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly running: pulumi.Output<boolean>;

  constructor(name: string, args: KeepalivedInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(KEEPALIVED_INSTANCE, keepalivedInstanceProvider, name, args, opts);
  }
}
