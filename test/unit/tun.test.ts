// The tun topology's pure parts and its checks at preview: the real servers'
// sysctls per tunnel type, a tunnel type the topology does not prepare refused
// naming the allowed ones, real servers on another subnet accepted (no DR
// segment rule), and a VIP that is a host's address refused before anything
// registers. The lab test (test/lab/tun) proves it on real kernels.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../../providers";
import { checkServer } from "../../providers/ipvs/validate";
import { stacks } from "../../stacks";
import { TUN_KINDS, tunRealServerSysctls } from "../../stacks/components/tunCluster";
import { StackConfig } from "../../stacks/config";
import type { Host, HostSource } from "../../stacks/hosts";
import type { Inventory, InventoryHost } from "../../stacks/inventory";
import { TopologyContext } from "../../stacks/topology";

const PIN = "SHA256:" + "A".repeat(43);

/** The tun preset's shape: director and client on one segment, the real servers routed elsewhere. */
function tunLike(): Inventory {
  const h = (name: string, port: number, cidr: string, groups: string[]): InventoryHost => ({
    name,
    groups: ["all", ...groups],
    sshHost: "127.0.0.1",
    port,
    user: "root",
    privateKeyPath: "/k",
    hostKeySha256: PIN,
    addresses: { eth0: cidr },
  });
  const hosts = [
    h("director", 2201, "10.1.0.10/24", ["directors"]),
    h("client", 2202, "10.1.0.20/24", ["clients"]),
    h("rs1", 2203, "10.9.0.30/24", ["realservers"]),
    h("rs2", 2204, "10.9.0.40/24", ["realservers"]),
  ];
  return {
    hosts: Object.fromEntries(hosts.map((x) => [x.name, x])),
    groups: { directors: ["director"], clients: ["client"], realservers: ["rs1", "rs2"] },
  };
}

function source(inv: Inventory): HostSource {
  return {
    inventory: inv,
    host(name): Host {
      const h = inv.hosts[name];
      const connection = pulumi.secret<ConnectionArgs>({ host: "127.0.0.1", port: h.port, user: "root", hostKeySha256: PIN });
      return { name, connection, addresses: h.addresses, sshHost: h.sshHost, ssh: `ssh -p ${h.port} root@127.0.0.1` };
    },
  };
}

const run = (config: Record<string, string>) =>
  stacks.tun.program(new TopologyContext(new StackConfig("tun", (k) => config[k]), source(tunLike())));

describe("topology tun", () => {
  it("the real servers' sysctls: rp_filter 0 on the tunnel device and on all (the kernel takes the larger), the ARP settings", () => {
    assert.deepEqual(tunRealServerSysctls(TUN_KINDS.ipip.device), {
      "net.ipv4.conf.tunl0.rp_filter": "0",
      "net.ipv4.conf.all.rp_filter": "0",
      "net.ipv4.conf.all.arp_ignore": "1",
      "net.ipv4.conf.all.arp_announce": "2",
    });
    assert.deepEqual(TUN_KINDS.gre, { module: "ip_gre", device: "gre0" });
  });

  it("IpvsRealServer: gre without a port is what the director takes; gue needs its UDP port; a port on gre is refused", () => {
    const service = { protocol: "tcp" as const, address: "10.1.0.100", port: 80 };
    const base = { connection: { host: "h" }, service, address: "10.9.0.30", method: "tunnel" };
    assert.deepEqual(checkServer({ ...base, tunType: "gre" }), []);
    assert.deepEqual(
      checkServer({ ...base, tunType: "gue" }).map((f) => f.reason),
      ["tunPort is required for tunType gue (its UDP port)"],
    );
    assert.deepEqual(
      checkServer({ ...base, tunType: "gre", tunPort: 6080 }).map((f) => f.reason),
      ["tunPort applies only to tunType gue (a UDP port); got tunType gre"],
    );
  });

  it("a tunnel type it does not prepare is refused at preview, naming the allowed ones", () => {
    assert.throws(() => run({ vip: "10.1.0.100", interface: "eth0", tunType: "gue" }), /tunType[\s\S]*must be one of ipip, gre/);
  });

  it("a VIP that is a real server's address is refused at preview, naming the host", () => {
    assert.throws(() => run({ vip: "10.9.0.30", interface: "eth0" }), /the VIP 10\.9\.0\.30 is rs1's own address on eth0/);
  });
});
