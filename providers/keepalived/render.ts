// KeepalivedInstance's rendering: the include file of one instance and the
// managed main keepalived.conf. Inputs are checked first (check.ts).
import {
  HttpGetCheck,
  KeepalivedGlobalDefs,
  KeepalivedInstanceSpec,
  KeepalivedRealServer,
  KeepalivedVirtualServer,
  TcpCheck,
  VirtualIpAddress,
  VrrpInstance,
  VrrpScript,
} from "./spec";

const IND = "  ";

/** A block's lines at depth 0; a block nested in another is indented with the rest of its parent's body. */
function section(head: string, body: string[]): string[] {
  return [`${head} {`, ...body.map((l) => `${IND}${l}`), "}"];
}

function num(n: number): string {
  return String(n);
}

function renderGlobalDefs(g: KeepalivedGlobalDefs): string[] {
  const body: string[] = [];
  if (g.notificationEmail && g.notificationEmail.length > 0) body.push(...section("notification_email", g.notificationEmail));
  if (g.notificationEmailFrom !== undefined) body.push(`notification_email_from ${g.notificationEmailFrom}`);
  if (g.smtpServer !== undefined) body.push(`smtp_server ${g.smtpServer}`);
  if (g.smtpConnectTimeout !== undefined) body.push(`smtp_connect_timeout ${num(g.smtpConnectTimeout)}`);
  if (g.routerId !== undefined) body.push(`router_id ${g.routerId}`);
  if (g.vrrpSkipCheckAdvAddr) body.push("vrrp_skip_check_adv_addr");
  if (g.vrrpStrict) body.push("vrrp_strict");
  // 0 is keepalived's default and keepalived 2.2 reports "0" as out of range: leave it out.
  if (g.vrrpGarpInterval !== undefined && g.vrrpGarpInterval > 0) body.push(`vrrp_garp_interval ${num(g.vrrpGarpInterval)}`);
  if (g.vrrpGnaInterval !== undefined && g.vrrpGnaInterval > 0) body.push(`vrrp_gna_interval ${num(g.vrrpGnaInterval)}`);
  if (g.vrrpIptables) body.push("vrrp_iptables");
  if (g.enableScriptSecurity) body.push("enable_script_security");
  if (g.scriptUser !== undefined) body.push(`script_user ${g.scriptUser}`);
  return section("global_defs", body);
}

function renderScript(s: VrrpScript): string[] {
  const body = [`script "${s.script}"`];
  if (s.interval !== undefined) body.push(`interval ${num(s.interval)}`);
  if (s.timeout !== undefined) body.push(`timeout ${num(s.timeout)}`);
  if (s.weight !== undefined) body.push(`weight ${num(s.weight)}`);
  if (s.fall !== undefined) body.push(`fall ${num(s.fall)}`);
  if (s.rise !== undefined) body.push(`rise ${num(s.rise)}`);
  if (s.user !== undefined) body.push(`user ${s.user}`);
  return section(`vrrp_script ${s.name}`, body);
}

function renderVip(a: VirtualIpAddress): string {
  let s = a.prefix !== undefined ? `${a.address}/${num(a.prefix)}` : a.address;
  if (a.dev !== undefined) s += ` dev ${a.dev}`;
  if (a.label !== undefined) s += ` label ${a.label}`;
  return s;
}

function renderVrrp(r: VrrpInstance): string[] {
  const body = [
    `state ${r.state}`,
    `interface ${r.interface}`,
    `virtual_router_id ${num(r.virtualRouterId)}`,
    `priority ${num(r.priority)}`,
    `advert_int ${num(r.advertInt ?? 1)}`,
  ];
  if (r.nopreempt) body.push("nopreempt");
  if (r.preemptDelay !== undefined) body.push(`preempt_delay ${num(r.preemptDelay)}`);
  if (r.garpMasterDelay !== undefined) body.push(`garp_master_delay ${num(r.garpMasterDelay)}`);
  if (r.unicastSrcIp !== undefined) body.push(`unicast_src_ip ${r.unicastSrcIp}`);
  if (r.unicastPeer && r.unicastPeer.length > 0) body.push(...section("unicast_peer", r.unicastPeer));
  if (r.authentication)
    body.push(...section("authentication", [`auth_type ${r.authentication.type}`, `auth_pass ${r.authentication.pass}`]));
  body.push(...section("virtual_ipaddress", r.virtualIpaddress.map(renderVip)));
  if (r.trackInterface && r.trackInterface.length > 0) body.push(...section("track_interface", r.trackInterface));
  if (r.trackScript && r.trackScript.length > 0) body.push(...section("track_script", r.trackScript));
  if (r.notifyMaster !== undefined) body.push(`notify_master "${r.notifyMaster}"`);
  if (r.notifyBackup !== undefined) body.push(`notify_backup "${r.notifyBackup}"`);
  if (r.notifyFault !== undefined) body.push(`notify_fault "${r.notifyFault}"`);
  if (r.notify !== undefined) body.push(`notify "${r.notify}"`);
  return section(`vrrp_instance ${r.name}`, body);
}

function renderCheck(k: TcpCheck | HttpGetCheck): string[] {
  const body: string[] = [];
  if (k.type === "HTTP_GET") {
    for (const u of k.urls) {
      const ub = [`path ${u.path}`];
      if (u.digest !== undefined) ub.push(`digest ${u.digest.toLowerCase()}`);
      if (u.statusCode !== undefined) ub.push(`status_code ${num(u.statusCode)}`);
      body.push(...section("url", ub));
    }
  }
  if (k.connectPort !== undefined) body.push(`connect_port ${num(k.connectPort)}`);
  if (k.connectTimeout !== undefined) body.push(`connect_timeout ${num(k.connectTimeout)}`);
  if (k.retry !== undefined) body.push(`retry ${num(k.retry)}`);
  if (k.delayBeforeRetry !== undefined) body.push(`delay_before_retry ${num(k.delayBeforeRetry)}`);
  return section(k.type, body);
}

function renderRealServer(rs: KeepalivedRealServer): string[] {
  const body = [`weight ${num(rs.weight ?? 1)}`];
  if (rs.inhibitOnFailure) body.push("inhibit_on_failure");
  if (rs.check) body.push(...renderCheck(rs.check));
  return section(`real_server ${rs.address} ${num(rs.port)}`, body);
}

function renderVirtualServer(s: KeepalivedVirtualServer): string[] {
  const body = [`delay_loop ${num(s.delayLoop ?? 6)}`, `lb_algo ${s.lbAlgo}`, `lb_kind ${s.lbKind}`];
  // keepalived 2.2 accepts persistence_timeout 1..2678400 only; 0 (no persistence) is its default.
  if (s.persistenceTimeout !== undefined && s.persistenceTimeout > 0) body.push(`persistence_timeout ${num(s.persistenceTimeout)}`);
  body.push(`protocol ${s.protocol ?? "TCP"}`);
  if (s.sorryServer) body.push(`sorry_server ${s.sorryServer.address} ${num(s.sorryServer.port)}`);
  for (const rs of s.realServers) body.push(...renderRealServer(rs));
  return section(`virtual_server ${s.address} ${num(s.port)}`, body);
}

/** The include file for one instance (what goes in /etc/keepalived/conf.d/<name>.conf). Deterministic. */
export function renderKeepalivedInstance(spec: KeepalivedInstanceSpec): string {
  const sections: string[][] = [];
  if (spec.globalDefs) sections.push(renderGlobalDefs(spec.globalDefs));
  for (const s of spec.scripts ?? []) sections.push(renderScript(s));
  if (spec.vrrp) sections.push(renderVrrp(spec.vrrp));
  for (const vs of spec.virtualServers ?? []) sections.push(renderVirtualServer(vs));
  const header = `# Managed by pulumi-lvs (KeepalivedInstance ${spec.name}). Changes here are overwritten.`;
  return [header, ...sections.map((s) => s.join("\n"))].join("\n\n") + "\n";
}

/** The managed main file /etc/keepalived/keepalived.conf: a comment and `include <includeGlob>`. */
export function renderKeepalivedMain(includeGlob: string): string {
  if (!/^\/[A-Za-z0-9_.*?/[\]-]+$/.test(includeGlob))
    throw new Error(
      `include glob must be an absolute path of letters, digits, '_', '-', '.', '/', '*', '?', '[', ']'; got ${JSON.stringify(includeGlob)}`,
    );
  return [
    "# Managed by pulumi-lvs. Changes here are overwritten.",
    "# Each KeepalivedInstance writes one file matched by the include below.",
    `include ${includeGlob}`,
    "",
  ].join("\n");
}
