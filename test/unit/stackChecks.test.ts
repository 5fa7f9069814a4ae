// Cross-host checks that stacks run before declaring anything.
import { strict as assert } from "node:assert";
import { drSameSubnet, inSubnet, networkCidr, vipNotOwned, vrrpPair } from "../../stacks/checks";

const host = (name: string, cidr: string) => ({ name, addresses: { ens33: cidr } });

describe("stack cross-host checks", () => {
  it("subnets", () => {
    assert.equal(inSubnet("192.168.118.30", "192.168.118.10/24"), true);
    assert.equal(inSubnet("192.168.119.30", "192.168.118.10/24"), false);
    assert.equal(inSubnet("10.1.2.3", "10.0.0.0/8"), true);
    assert.equal(networkCidr("192.168.118.20/24"), "192.168.118.0/24");
    assert.equal(networkCidr("10.200.3.4/12"), "10.192.0.0/12");
  });

  it("the VIP must not be a host's own address", () => {
    assert.deepEqual(vipNotOwned("192.168.118.100", [host("rs1", "192.168.118.30/24")]), []);
    assert.match(
      vipNotOwned("192.168.118.30", [host("rs1", "192.168.118.30/24")])[0],
      /the VIP 192\.168\.118\.30 is rs1's own address on ens33/,
    );
  });

  it("DR real servers must share the director's segment", () => {
    const d = host("director1", "192.168.118.10/24");
    assert.deepEqual(drSameSubnet(d, "ens33", [host("rs1", "192.168.118.30/24")]), []);
    assert.match(
      drSameSubnet(d, "ens33", [host("rs9", "10.0.0.9/24")])[0],
      /DR real server rs9 .* is not on director director1's subnet 192\.168\.118\.10\/24/,
    );
    assert.match(drSameSubnet(d, "ens36", [])[0], /director director1 has no address on ens36/);
  });

  it("a VRRP pair shares VRID and auth, has distinct priorities and one MASTER with the highest", () => {
    const p = (host: string, state: "MASTER" | "BACKUP", priority: number, vrid = 51, authPass = "s3cret") => ({
      host,
      state,
      priority,
      virtualRouterId: vrid,
      authPass,
      interface: "ens33",
    });
    assert.deepEqual(vrrpPair([p("d1", "MASTER", 120), p("d2", "BACKUP", 100)]), []);
    const cases: [ReturnType<typeof p>[], RegExp][] = [
      [[p("d1", "MASTER", 120), p("d2", "BACKUP", 100, 52)], /must share virtual_router_id; got d1=51, d2=52/],
      [[p("d1", "MASTER", 120), p("d2", "BACKUP", 100, 51, "other")], /must share the authentication pass \(d1, d2 differ\)/],
      [[p("d1", "MASTER", 100), p("d2", "BACKUP", 100)], /distinct priorities; got d1=100, d2=100/],
      [[p("d1", "MASTER", 120), p("d2", "MASTER", 100)], /exactly one MASTER; got 2/],
      [[p("d1", "MASTER", 90), p("d2", "BACKUP", 100)], /the MASTER d1 \(priority 90\) must have the highest priority/],
      [[p("d1", "MASTER", 120)], /at least two hosts/],
    ];
    for (const [peers, msg] of cases) {
      const f = vrrpPair(peers);
      assert.ok(
        f.some((m) => msg.test(m)),
        `${msg}: ${f.join(" | ")}`,
      );
      assert.ok(
        f.every((m) => !m.includes("s3cret") && !m.includes("other")),
        "the pass is never printed",
      );
    }
  });
});
