// `npm run doctor -- <stack>`: for each keepalived VRRP group of the stack
// (its `vrrp` output), reads every member at once over SSH (VIP, keepalived
// state and `keepalived -t`, VRRP adverts heard for 3 s, firewall rules that
// drop VRRP, clock, IPVS table, real servers answering) and prints a table
// with the likely cause of each failure. Exit 0 when healthy, 2 when not.
import { connectionArgs, defaultInventoryPath, Inventory, inventoryHost, loadInventory } from "../../stacks/inventory";
import { command, quote } from "../../providers/transport/shell";
import { closeAll, sshTransport } from "../../providers/transport/ssh";
import type { VrrpGroupDescription } from "../../stacks/components/vrrpGroup";
import { runCli, selectProjectStack } from "../lib/toolchain";
import { table } from "./core";
import { diagnose, Finding, MemberFacts } from "./diagnose";

const SEP = "__PULUMI_LVS_SEP__";

/** One command that reads everything the diagnosis needs from a member. */
export function factsCommand(g: VrrpGroupDescription): string {
  const iface = quote(g.interface);
  const rss = g.virtualServers.flatMap((v) => v.realServers.map((r) => `${r.address}:${r.port}`));
  return [
    `ip -o -4 addr show dev ${iface}`,
    "systemctl is-active keepalived || true",
    `out=$(keepalived -t -l -f /etc/keepalived/keepalived.conf 2>&1); echo "rc=$?"; printf '%s\\n' "$out" | grep -v '^$' | head -n 3`,
    `timeout 3 tcpdump -l -n -i ${iface} 'ip proto 112' 2>/dev/null | awk '{print $3}' | sort -u || true`,
    `{ iptables -S; iptables -t raw -S; iptables -t mangle -S; nft list ruleset; } 2>/dev/null | grep -Ei '(vrrp|112|224\\.0\\.0\\.18).*(drop|reject)|(drop|reject).*(vrrp|112|224\\.0\\.0\\.18)' || true`,
    "date +%s.%N",
    "ipvsadm -Sn 2>/dev/null || true",
    rss.length
      ? `for rs in ${command(...rss)}; do if curl -s -o /dev/null -m 2 "http://$rs/"; then echo "$rs ok"; else echo "$rs fail"; fi; done`
      : "true",
  ].join(`; echo ${SEP}; `);
}

export function parseFacts(host: string, g: VrrpGroupDescription, out: string): MemberFacts {
  const [addrs = "", active = "", config = "", adverts = "", drops = "", clock = "0", ipvs = "", answers = ""] = out.split(`${SEP}\n`);
  const [rc = "", ...configLines] = config.trim().split("\n");
  return {
    host,
    holdsVip: new RegExp(`inet ${g.vip.replace(/\./g, "\\.")}/`).test(addrs),
    keepalivedActive: active.trim() === "active",
    configOk: rc.trim() === "rc=0",
    configOutput: configLines.join("\n"),
    advertsFrom: adverts.trim().split("\n").filter(Boolean),
    vrrpDrops: drops.trim().split("\n").filter(Boolean),
    clock: Number(clock.trim()),
    ipvs,
    realServersAnswer: Object.fromEntries(
      answers
        .trim()
        .split("\n")
        .filter((l) => l.includes(" "))
        .map((l) => [l.split(" ")[0], l.endsWith(" ok")]),
    ),
  };
}

/** Reads every member of every group and diagnoses them. */
export async function runDoctor(
  groups: VrrpGroupDescription[],
  inv: Inventory,
): Promise<{ findings: Finding[]; text: string; healthy: boolean }> {
  const findings: Finding[] = [];
  for (const g of groups) {
    const facts = await Promise.all(
      g.members.map(async (m) =>
        parseFacts(m.host, g, await sshTransport(connectionArgs(inventoryHost(inv, m.host))).run(factsCommand(g))),
      ),
    );
    findings.push(...diagnose(g, facts));
  }
  const text = table(
    ["check", "hosts", "status", "detail", "likely cause"],
    findings.map((f) => [f.check, f.hosts, f.ok ? "ok" : "FAIL", f.detail, f.cause ?? ""]),
  );
  return { findings, text, healthy: findings.every((f) => f.ok) };
}

async function main(name: string | undefined): Promise<number> {
  if (!name) throw new Error("usage: npm run doctor -- <stack>");
  const stack = await selectProjectStack(name);
  const outputs = await stack.outputs();
  const groups = (outputs.vrrp?.value ?? []) as VrrpGroupDescription[];
  if (!groups.length)
    throw new Error(`stack ${name} has no keepalived VRRP group (no \`vrrp\` output); the doctor checks keepalived-managed VIPs`);
  const config = await stack.getAllConfig();
  const inv = loadInventory(config["pulumi-lvs:inventory"]?.value || defaultInventoryPath());
  const r = await runDoctor(groups, inv);
  process.stdout.write(r.text);
  return r.healthy ? 0 : 2;
}

if (require.main === module) runCli("doctor", () => main(process.argv[2]), closeAll);
